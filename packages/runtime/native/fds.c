#include "byhand.h"
#include <limits.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Nothing of the host may stay open inside: a leaked host descriptor is a way out of the
 * sandbox (CVE-2024-21626). Only stdin, stdout and stderr (the pty) go through.
 */
void close_inherited_fds(void) {
  if (syscall(SYS_close_range, 3, UINT_MAX, 0) < 0) die_errno("close_range(3, ~0)");
}

/* The same, at execve: the helper still needs its sync socket and trace fd until then. */
void close_fds_on_exec(void) {
  if (syscall(SYS_close_range, 3, UINT_MAX, CLOSE_RANGE_CLOEXEC) < 0)
    die_errno("close_range(3, ~0, CLOSE_RANGE_CLOEXEC)");
}
