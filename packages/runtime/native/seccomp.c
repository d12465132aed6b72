#include "byhand.h"
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/*
 * The default profile is a deny-list: everything is allowed but what is not namespaced or has a
 * history of breakouts. mount, umount2, unshare, setns, pivot_root and clone stay allowed: the
 * lessons need them, and the user namespace already confines them. ptrace stays too (strace is
 * a lesson tool). ENOSYS where a program should fall back as on a kernel without the feature,
 * EPERM where it should report a refusal.
 */
static const struct { const char *name; int err; } denied[] = {
    {"keyctl", ENOSYS}, {"add_key", ENOSYS}, {"request_key", ENOSYS},
    {"io_uring_setup", ENOSYS}, {"io_uring_enter", ENOSYS}, {"io_uring_register", ENOSYS},
    {"userfaultfd", ENOSYS}, {"bpf", EPERM}, {"perf_event_open", EPERM},
    {"kexec_load", EPERM}, {"kexec_file_load", EPERM},
    {"init_module", EPERM}, {"finit_module", EPERM}, {"delete_module", EPERM},
    {"open_by_handle_at", EPERM}, {"acct", EPERM}, {"swapon", EPERM}, {"swapoff", EPERM},
    {"reboot", EPERM}, {"settimeofday", EPERM}, {"clock_settime", EPERM},
    {"clock_adjtime", EPERM}, {"adjtimex", EPERM}, {"syslog", EPERM}, {"lookup_dcookie", EPERM},
    {"iopl", EPERM}, {"ioperm", EPERM}, {"quotactl", EPERM}, {"quotactl_fd", EPERM},
    {"nfsservctl", EPERM}, {"uselib", EPERM}, {"ustat", EPERM}, {"sysfs", EPERM},
    {"_sysctl", EPERM}, {"vm86", EPERM}, {"vm86old", EPERM},
};

/* personality(2) flags that weaken memory protections for setuid programs. */
#define PERSONA_MMAP_PAGE_ZERO 0x0100000ull
#define PERSONA_READ_IMPLIES_EXEC 0x0400000ull
/* Bit 31 is set only in the query value 0xffffffff, which must stay allowed. */
#define PERSONA_QUERY_BIT 0x80000000ull

static void deny_personality(scmp_filter_ctx ctx, uint64_t flag) {
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
                            SCMP_A0(SCMP_CMP_MASKED_EQ, flag | PERSONA_QUERY_BIT, flag));
  if (rc < 0) errno = -rc, die_errno("seccomp rule for personality");
}

/*
 * Host-to-guest sockets reach the hypervisor, not anything namespaced: refused as Docker does.
 * EPERM rather than the EAFNOSUPPORT of a kernel without vsock, so a refusal is seen as one.
 */
static void deny_vsock(scmp_filter_ctx ctx) {
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_VSOCK));
  if (rc < 0) errno = -rc, die_errno("seccomp rule for socket(AF_VSOCK)");
}

/* 32-bit system calls would bypass a filter written for the native ones: filter them too. */
static void add_compat_arches(scmp_filter_ctx ctx) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) return;
  int rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
  if (rc == 0) rc = seccomp_arch_add(ctx, SCMP_ARCH_X32);
  if (rc < 0 && rc != -EEXIST) errno = -rc, die_errno("seccomp_arch_add");
}

/*
 * Loaded while we still hold CAP_SYS_ADMIN in the container's user namespace, so it needs no
 * no_new_privs (libseccomp would set that by default; --no-new-privs decides it instead).
 */
static scmp_filter_ctx default_filter(int *rules) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) die("seccomp_init failed (is libseccomp installed?)");
  if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0) die("seccomp_attr_set(CTL_NNP, 0) failed");
  add_compat_arches(ctx);
  *rules = 0;
  for (size_t i = 0; i < sizeof denied / sizeof *denied; i++) {
    int nr = seccomp_syscall_resolve_name(denied[i].name);
    if (nr == __NR_SCMP_ERROR) continue; /* not a system call on this architecture */
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(denied[i].err), nr, 0);
    if (rc < 0) errno = -rc, die_errno("seccomp rule for %s", denied[i].name);
    (*rules)++;
  }
  deny_personality(ctx, PERSONA_MMAP_PAGE_ZERO);
  deny_personality(ctx, PERSONA_READ_IMPLIES_EXEC);
  deny_vsock(ctx);
  *rules += 2;
  return ctx;
}

static void load(scmp_filter_ctx ctx) {
  int rc = seccomp_load(ctx);
  if (rc < 0) errno = -rc, die_errno("seccomp_load");
  seccomp_release(ctx);
}

void load_seccomp_default(void) {
  double t0 = trace_clock();
  int rules;
  scmp_filter_ctx ctx = default_filter(&rules);
  char args[64];
  snprintf(args, sizeof args, "default profile: %d system calls denied", rules);
  step_pause("seccomp", "seccomp", "SECCOMP_SET_MODE_FILTER", args);
  load(ctx);
  trace_step(t0, "seccomp", "seccomp", "SECCOMP_SET_MODE_FILTER", args, "ok");
}

/* The same filter for pid 1, which is not one of the steps a learner watches. */
void load_seccomp_default_quietly(void) {
  int rules;
  load(default_filter(&rules));
}
