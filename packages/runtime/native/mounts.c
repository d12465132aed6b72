#include "byhand.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Spelled out here: glibc's <sys/mount.h> and <linux/mount.h> clash on older glibc. */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
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

static const struct { unsigned long flag; const char *name; } options[] = {
    {MS_RDONLY, "ro"}, {MS_NOSUID, "nosuid"}, {MS_NODEV, "nodev"}, {MS_NOEXEC, "noexec"},
    {MS_STRICTATIME, "strictatime"}, {MS_REMOUNT, "remount"}, {MS_BIND, "bind"},
};

/* The command a learner would type for this mount(2) call. */
static void mount_command(char *buf, size_t cap, const char *src, const char *target,
                          const char *fstype, unsigned long flags, const char *data) {
  if (flags & MS_PRIVATE) {
    snprintf(buf, cap, "mount --make-%sprivate %s", flags & MS_REC ? "r" : "", target);
    return;
  }
  if ((flags & MS_BIND) && !(flags & MS_REMOUNT)) {
    snprintf(buf, cap, "mount --%sbind %s %s", flags & MS_REC ? "r" : "", src, target);
    return;
  }
  char opts[1024] = "";
  size_t len = 0;
  for (size_t i = 0; i < sizeof options / sizeof *options; i++)
    if (flags & options[i].flag)
      len += (size_t)snprintf(opts + len, sizeof opts - len, "%s%s", len ? "," : "", options[i].name);
  if (data) snprintf(opts + len, sizeof opts - len, "%s%s", len ? "," : "", data);
  snprintf(buf, cap, "mount%s%s%s%s %s %s", fstype ? " -t " : "", fstype ? fstype : "",
           opts[0] ? " -o " : "", opts, src ? src : "none", target);
}

int mount_traced(const char *src, const char *target, const char *fstype, unsigned long flags,
                 const char *data) {
  char command[2048];
  mount_command(command, sizeof command, src, target, fstype, flags, data);
  step_pause("mount", "mount", target, command);
  double t0 = trace_clock();
  int rc = mount(src, target, fstype, flags, data);
  int err = errno;
  trace_step(t0, "mount", "mount", target, command, rc < 0 ? strerror(err) : "ok");
  errno = err;
  return rc;
}

void mount_or_die(const char *src, const char *target, const char *fstype, unsigned long flags,
                  const char *data) {
  if (mount_traced(src, target, fstype, flags, data) < 0) {
    char command[2048];
    mount_command(command, sizeof command, src, target, fstype, flags, data);
    die_errno("%s", command);
  }
}

void make_dirs(const char *path, mode_t mode) {
  char buf[4096];
  if (strlen(path) >= sizeof buf) die("path too long: %s", path);
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, mode) < 0 && errno != EEXIST) die_errno("mkdir %s", buf);
    *p = '/';
  }
  if (mkdir(buf, mode) < 0 && errno != EEXIST) die_errno("mkdir %s", buf);
}

/*
 * A detached copy of the mount at `path` (open_tree), made read-only and, given a user namespace,
 * idmapped: files of host root then belong to the container's root, so one shared image serves
 * every container without a chown. Done by the parent: it needs host privileges.
 */
int clone_tree(const char *path, int userns_fd, int readonly, int recursive) {
  char command[1200];
  snprintf(command, sizeof command, "mount %s%s%s %s TARGET", recursive ? "--rbind" : "--bind",
           readonly ? " -o ro" : "", userns_fd >= 0 ? " -o X-mount.idmap=<userns>" : "", path);
  step_pause("mount", "open_tree+mount_setattr", path, command);
  double t0 = trace_clock();
  unsigned flags = OPEN_TREE_CLONE | O_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, path, flags);
  if (tree < 0) die_errno("open_tree(%s, OPEN_TREE_CLONE)", path);
  struct idmap_attr attr = {.attr_set = MOUNT_ATTR_NOSUID};
  if (readonly) attr.attr_set |= MOUNT_ATTR_RDONLY;
  if (userns_fd >= 0) {
    attr.attr_set |= MOUNT_ATTR_IDMAP;
    attr.userns_fd = (uint64_t)userns_fd;
  }
  unsigned at = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  const char *result = userns_fd >= 0 ? "idmapped" : "ok";
  int failed = syscall(SYS_mount_setattr, tree, "", at, &attr, sizeof attr) < 0;
  /*
   * Nested in a user namespace (byhand inside a learner's sandbox), only host root may idmap a
   * host file system. A read-only layer still serves without it: its files keep their owners.
   */
  if (failed && errno == EPERM && readonly && userns_fd >= 0) {
    attr.attr_set &= ~(uint64_t)MOUNT_ATTR_IDMAP;
    attr.userns_fd = 0;
    failed = syscall(SYS_mount_setattr, tree, "", at, &attr, sizeof attr) < 0;
    result = "not idmapped (EPERM: only the file system's owner may idmap it); files keep their owners";
  }
  if (failed)
    die_errno("mount_setattr(%s%s) on %s (idmapped mounts need Linux >= 5.12 and an ext4, xfs or "
              "btrfs file system)", readonly ? "RDONLY" : "", userns_fd >= 0 ? " IDMAP" : "", path);
  trace_step(t0, "mount", "open_tree+mount_setattr", path, command, result);
  return tree;
}

void move_tree(int tree, const char *target) {
  step_pause("mount", "move_mount", target, NULL);
  double t0 = trace_clock();
  if (syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    die_errno("move_mount onto %s", target);
  close(tree);
  trace_step(t0, "mount", "move_mount", target, NULL, "ok");
}
