#include "byhand.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void mount_at(const char *root, const char *rel, const char *src, const char *fstype,
                     unsigned long flags, const char *data) {
  char target[512];
  snprintf(target, sizeof target, "%s%s", root, rel);
  if (mkdir(target, 0755) < 0 && errno != EEXIST) die_errno("mkdir %s", target);
  mount_or_die(src, target, fstype, flags, data);
}

/*
 * A new sysfs shows the network devices of our network namespace, and the kernel allows it only
 * to a process that owns that namespace. With a joined one (--join net:...) we do not: bind the
 * caller's /sys read-only instead, as runc does.
 */
static void mount_sysfs(const char *root) {
  const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  char target[512];
  snprintf(target, sizeof target, "%s/sys", root);
  if (mkdir(target, 0755) < 0 && errno != EEXIST) die_errno("mkdir %s", target);
  if (mount_traced("sysfs", target, "sysfs", safe | MS_RDONLY, NULL) == 0) return;
  if (errno != EPERM) die_errno("mount -t sysfs sysfs %s", target);
  mount_or_die("/sys", target, NULL, MS_BIND | MS_REC, NULL);
  mount_or_die(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | safe, NULL);
}

/* Device nodes cannot be created in a user namespace: bind the harmless host ones instead. */
static void bind_device(const char *root, const char *name) {
  char target[512], source[64];
  snprintf(target, sizeof target, "%s/dev/%s", root, name);
  snprintf(source, sizeof source, "/dev/%s", name);
  int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0) die_errno("create %s", target);
  close(fd);
  mount_or_die(source, target, NULL, MS_BIND, NULL);
}

static void link_at(const char *root, const char *target, const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s%s", root, rel);
  if (symlink(target, path) < 0 && errno != EEXIST) die_errno("ln -s %s %s", target, rel);
}

/*
 * /proc for our pid namespace, a read-only /sys, a minimal /dev with its own devpts, and
 * fresh tmpfs for /tmp and /run. /proc is not masked with over-mounts: the kernel would then
 * refuse the learner's own `mount -t proc` (see ARCHITECTURE.md).
 */
void mount_pseudo_filesystems(const char *root) {
  const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  mount_at(root, "/proc", "proc", "proc", safe, NULL);
  mount_sysfs(root);
  mount_at(root, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=64k");
  static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
  for (size_t i = 0; i < sizeof devices / sizeof *devices; i++) bind_device(root, devices[i]);
  mount_at(root, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
           "newinstance,ptmxmode=0666,mode=0620");
  link_at(root, "pts/ptmx", "/dev/ptmx");
  link_at(root, "/proc/self/fd", "/dev/fd");
  link_at(root, "/proc/self/fd/0", "/dev/stdin");
  link_at(root, "/proc/self/fd/1", "/dev/stdout");
  link_at(root, "/proc/self/fd/2", "/dev/stderr");
  mount_at(root, "/dev/shm", "shm", "tmpfs", safe, "mode=1777,size=64m");
  mount_at(root, "/dev/mqueue", "mqueue", "mqueue", safe, NULL);
  mount_at(root, "/tmp", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=256m");
  mount_at(root, "/run", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m");
}

/*
 * pivot_root(".", ".") stacks the old root under the new one at the same place; detaching it
 * then leaves only the new root, with no path back to the host's file system (unlike chroot).
 */
void pivot_into(const char *root) {
  if (chdir(root) < 0) die_errno("chdir %s", root);
  step_pause("pivot_root", "pivot_root", "\".\", \".\"", "cd ROOT && pivot_root . .");
  double t0 = trace_clock();
  if (syscall(SYS_pivot_root, ".", ".") < 0) die_errno("pivot_root(\".\", \".\") in %s", root);
  trace_step(t0, "pivot_root", "pivot_root", "\".\", \".\"", "cd ROOT && pivot_root . .", root);
  step_pause("umount", "umount2", "\".\", MNT_DETACH", "umount -l .");
  t0 = trace_clock();
  if (umount2(".", MNT_DETACH) < 0) die_errno("umount2(old root, MNT_DETACH)");
  trace_step(t0, "umount", "umount2", "\".\", MNT_DETACH", "umount -l .", "the host's root is gone");
  if (chdir("/") < 0) die_errno("chdir /");
}

/* After volumes are in place: they keep their own read-only or read-write mode. */
void make_rootfs_readonly(void) {
  mount_or_die(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
}
