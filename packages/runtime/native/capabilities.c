#include "byhand.h"
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Names as in capabilities(7), by number. */
static const char *const names[] = {
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
    "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
    "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
    "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
    "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
    "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};
#define NAMED (int)(sizeof names / sizeof *names)

/* The kernel may know fewer capabilities than we name. */
static int last_cap(void) {
  static int last = -1;
  if (last >= 0) return last;
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (!f || fscanf(f, "%d", &last) != 1) last = NAMED - 1;
  if (f) fclose(f);
  if (last >= NAMED) last = NAMED - 1;
  return last;
}

int cap_from_name(const char *name) {
  if (strncasecmp(name, "cap_", 4) == 0) name += 4;
  for (int i = 0; i < NAMED; i++)
    if (strcasecmp(names[i], name) == 0) return i;
  return -1;
}

uint64_t all_capabilities(void) { return (1ull << (last_cap() + 1)) - 1; }

static void list_caps(uint64_t set, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  if (set == all_capabilities()) {
    snprintf(buf, cap, "all");
    return;
  }
  for (int i = 0; i <= last_cap() && len < cap; i++)
    if ((set >> i) & 1) len += (size_t)snprintf(buf + len, cap - len, "%scap_%s", len ? "," : "", names[i]);
  if (!len) snprintf(buf, cap, "(none)");
}

/* The bounding set caps what any later execve can ever gain, setuid binaries included. */
void drop_bounding_capabilities(uint64_t keep) {
  char list[1024], command[1100];
  list_caps(keep, list, sizeof list);
  snprintf(command, sizeof command, "capsh --caps=%s --", list);
  step_pause("capabilities", "prctl", "PR_CAPBSET_DROP (all but the kept)", command);
  double t0 = trace_clock();
  for (int i = 0; i <= last_cap(); i++)
    if (!((keep >> i) & 1) && prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0)
      die_errno("prctl(PR_CAPBSET_DROP, cap_%s)", names[i]);
  trace_step(t0, "capabilities", "prctl", "PR_CAPBSET_DROP (all but the kept)", command, list);
}

/*
 * Effective, permitted and inheritable become the kept set; ambient is cleared. A non-root
 * --user already lost them all when it switched (as with Docker, it has only the bounding set).
 */
void set_capabilities(uint64_t keep) {
  step_pause("capabilities", "capset", "effective, permitted, inheritable", NULL);
  double t0 = trace_clock();
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capget, &hdr, data) < 0) die_errno("capget");
  for (int i = 0; i < 2; i++) {
    uint32_t k = (uint32_t)(keep >> (32 * i));
    data[i].effective &= k;
    data[i].permitted &= k;
    data[i].inheritable = data[i].permitted;
  }
  if (syscall(SYS_capset, &hdr, data) < 0) die_errno("capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) die_errno("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  char list[1024];
  uint64_t eff = data[0].effective | ((uint64_t)data[1].effective << 32);
  list_caps(eff, list, sizeof list);
  trace_step(t0, "capabilities", "capset", "effective, permitted, inheritable", NULL, list);
}
