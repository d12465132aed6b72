#include "byhand.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A target with ".." could climb out of the container's root. */
void check_volume_target(const char *dst) {
  if (dst[0] != '/') die("--volume target must be an absolute path, got '%s'", dst);
  for (const char *p = dst; (p = strstr(p, "..")); p += 2)
    if ((p == dst || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
      die("--volume target must not contain '..', got '%s'", dst);
}

static void create_file(const char *path) {
  int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 && errno != EEXIST) die_errno("create %s", path);
  if (fd >= 0) close(fd);
}

/*
 * Bind mount a host path (opened, read-only and idmapped as asked, by the parent) at its target.
 * Called after pivot_root: the target then resolves inside the container, so a symlink in the
 * image cannot point the mount at the host. A missing target is created as a directory, or as a
 * file when the source is one.
 */
void attach_volume(const struct volume *v, int tree) {
  struct stat st;
  if (fstat(tree, &st) < 0) die_errno("fstat volume %s", v->src);
  if (S_ISDIR(st.st_mode)) {
    make_dirs(v->dst, 0755);
  } else {
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", v->dst);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
      *slash = '\0';
      make_dirs(parent, 0755);
    }
    create_file(v->dst);
  }
  move_tree(tree, v->dst);
}
