#include "byhand.h"
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

/* Where the layers are put together, inside the container's own mount namespace. */
#define BASE "/tmp"

static char *base_name(const char *path) {
  static char buf[2][4096];
  static int n;
  char *b = buf[n++ % 2];
  snprintf(b, sizeof buf[0], "%s", path);
  return basename(b);
}

/*
 * --upper and --work must sit in one directory: the parent hands over that directory as one
 * (idmapped) mount, since overlayfs wants both on the same mount.
 */
const char *upper_parent(const struct config *cfg) {
  static char up[4096], wk[4096];
  snprintf(up, sizeof up, "%s", cfg->upper);
  snprintf(wk, sizeof wk, "%s", cfg->work);
  char *dir = dirname(up);
  if (strcmp(dir, dirname(wk)) != 0)
    die("--upper %s and --work %s must be in the same directory", cfg->upper, cfg->work);
  return dir;
}

/*
 * Copy-on-write root: the image layers are the read-only lower layers (top-most first); writes
 * land in the upper layer, either on a size-limited tmpfs (a learner filling the disk fills only
 * their own quota) or in a directory on disk that the runtime keeps (`byhand` containers).
 */
const char *mount_overlay_rootfs(const struct config *cfg, const int *layer_fds, int upper_fd) {
  static char merged[] = BASE "/merged";
  char opts[8192], upper[4200], work[4200], lower[64];
  snprintf(opts, sizeof opts, "size=%s,mode=0755", cfg->upper_size ? cfg->upper_size : "64k");
  mount_or_die("byhand-layers", BASE, "tmpfs", MS_NOSUID | MS_NODEV, opts);
  size_t len = (size_t)snprintf(opts, sizeof opts, "lowerdir=");
  for (int i = 0; i < cfg->nlayers; i++) {
    snprintf(lower, sizeof lower, BASE "/lower%d", i);
    make_dirs(lower, 0755);
    move_tree(layer_fds[i], lower);
    len += (size_t)snprintf(opts + len, sizeof opts - len, "%s%s", i ? ":" : "", lower);
  }
  if (cfg->upper) {
    make_dirs(BASE "/rw", 0755);
    move_tree(upper_fd, BASE "/rw");
    snprintf(upper, sizeof upper, BASE "/rw/%s", base_name(cfg->upper));
    snprintf(work, sizeof work, BASE "/rw/%s", base_name(cfg->work));
  } else {
    snprintf(upper, sizeof upper, BASE "/upper");
    snprintf(work, sizeof work, BASE "/work");
  }
  make_dirs(upper, 0755);
  make_dirs(work, 0755);
  make_dirs(merged, 0755);
  /* userxattr: trusted.* xattrs are out of reach inside a user namespace. */
  snprintf(opts + len, sizeof opts - len, ",upperdir=%s,workdir=%s,userxattr", upper, work);
  mount_or_die("overlay", merged, "overlay", 0, opts);
  return merged;
}
