#include "byhand.h"
#include <errno.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

/*
 * The OCI defaults for ordinary containers: host information under /proc and /sys that a
 * container should not see is covered (a directory by an empty read-only tmpfs, a file by
 * /dev/null), and kernel knobs are made read-only. Never for learner sandboxes: over-mounts in
 * /proc make the kernel refuse a new `mount -t proc` inside (see ARCHITECTURE.md).
 */
static const char *const masked[] = {
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
    "/sys/firmware", "/sys/devices/virtual/powercap",
};
static const char *const readonly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static void mask(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno == ENOENT) return;
    die_errno("stat %s", path);
  }
  if (S_ISDIR(st.st_mode)) mount_or_die("tmpfs", path, "tmpfs", MS_RDONLY, "size=0");
  else mount_or_die("/dev/null", path, NULL, MS_BIND, NULL);
}

static void make_readonly(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno == ENOENT) return;
    die_errno("stat %s", path);
  }
  mount_or_die(path, path, NULL, MS_BIND | MS_REC, NULL);
  mount_or_die(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

void mask_paths(void) {
  for (size_t i = 0; i < sizeof masked / sizeof *masked; i++) mask(masked[i]);
  for (size_t i = 0; i < sizeof readonly / sizeof *readonly; i++) make_readonly(readonly[i]);
}
