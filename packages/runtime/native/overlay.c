#include "byhand.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Spelled out here: glibc's <sys/mount.h> and <linux/mount.h> clash on older glibc. */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x00000002
#endif
struct idmap_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };

/*
 * The lab image belongs to host root (uid 0). Seen through an idmapped mount that carries the
 * sandbox's user namespace, its files belong to the sandbox's root instead, so one shared image
 * serves every sandbox without a chown. Done by the parent: it needs host privileges.
 */
int idmapped_lower_layer(const char *rootfs, pid_t child) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
  int userns = open(path, O_RDONLY | O_CLOEXEC);
  if (userns < 0) die_errno("open %s", path);
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, rootfs, OPEN_TREE_CLONE | O_CLOEXEC);
  if (tree < 0) die_errno("open_tree(%s, OPEN_TREE_CLONE)", rootfs);
  struct idmap_attr attr = {.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID,
                            .userns_fd = (uint64_t)userns};
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    die_errno("mount_setattr(MOUNT_ATTR_IDMAP) on %s (idmapped mounts need Linux >= 5.12 and "
              "an ext4, xfs or btrfs file system)", rootfs);
  close(userns);
  return tree;
}

static void make_dir(const char *path) {
  if (mkdir(path, 0755) < 0 && errno != EEXIST) die_errno("mkdir %s", path);
}

/*
 * Copy-on-write root: the image is the read-only lower layer; writes land in an upper layer on
 * a size-limited tmpfs, so a learner filling the disk fills only their own quota.
 */
void mount_overlay_rootfs(int lower_fd, const char *upper_size, const char *base) {
  char opts[1024], lower[256], upper[256], work[256], merged[256];
  snprintf(opts, sizeof opts, "size=%s,mode=0755", upper_size);
  if (mount("byhand-layers", base, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
    die_errno("mount tmpfs (size=%s) on %s", upper_size, base);
  snprintf(lower, sizeof lower, "%s/lower", base);
  snprintf(upper, sizeof upper, "%s/upper", base);
  snprintf(work, sizeof work, "%s/work", base);
  snprintf(merged, sizeof merged, "%s/merged", base);
  make_dir(lower); make_dir(upper); make_dir(work); make_dir(merged);
  if (syscall(SYS_move_mount, lower_fd, "", AT_FDCWD, lower, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    die_errno("move_mount of the image onto %s", lower);
  close(lower_fd);
  snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", lower, upper, work);
  if (mount("overlay", merged, "overlay", 0, opts) < 0)
    die_errno("mount -t overlay -o %s overlay %s (needs Linux >= 5.19)", opts, merged);
}
