#include "byhand.h"
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KIND(name, flag, option) {name, flag, #flag, option}
static const struct { const char *name; int flag; const char *flag_name, *nsenter; } kinds[NS_COUNT] = {
    [NS_USER] = KIND("user", CLONE_NEWUSER, "--user"), [NS_MNT] = KIND("mnt", CLONE_NEWNS, "--mount"),
    [NS_PID] = KIND("pid", CLONE_NEWPID, "--pid"),     [NS_UTS] = KIND("uts", CLONE_NEWUTS, "--uts"),
    [NS_IPC] = KIND("ipc", CLONE_NEWIPC, "--ipc"),     [NS_NET] = KIND("net", CLONE_NEWNET, "--net"),
    [NS_CGROUP] = KIND("cgroup", CLONE_NEWCGROUP, "--cgroup"),
    [NS_TIME] = KIND("time", CLONE_NEWTIME, "--time"),
};

int ns_kind_from_name(const char *name) {
  for (int k = 0; k < NS_COUNT; k++)
    if (strcmp(kinds[k].name, name) == 0) return k;
  return -1;
}

const char *ns_name(int kind) { return kinds[kind].name; }

static void flag_names(unsigned set, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (int k = 0; k < NS_COUNT; k++)
    if ((set >> k) & 1u) len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "|" : "",
                                                kinds[k].flag_name);
  if (len == 0) snprintf(buf, cap, "0");
}

/*
 * One clone3() makes the child in all the new namespaces at once. The user namespace is created
 * first by the kernel, so it owns all the others: inside it the child holds every capability
 * over them and none over the host. clone3, not clone: only clone3 takes CLONE_NEWTIME (its bit
 * is taken by the exit signal in clone). With no stack it behaves like fork(): the child
 * continues on a copy of our stack.
 */
pid_t clone_into_namespaces(unsigned set) {
  unsigned long flags = 0;
  for (int k = 0; k < NS_COUNT; k++)
    if ((set >> k) & 1u) flags |= (unsigned long)kinds[k].flag;
  char names[256], result[32];
  flag_names(set, names, sizeof names);
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  step_pause("clone", "clone3", names, NULL);
  double t0 = trace_clock();
  pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) die_errno("clone3(%s)", names);
  if (pid > 0) {
    snprintf(result, sizeof result, "pid %d", (int)pid);
    trace_step(t0, "clone", "clone3", names, NULL, result);
  }
  return pid;
}

/*
 * The cgroup namespace's root is the cgroup its creator is in at that moment. So the child
 * makes it only once the parent has moved it into the container's cgroups: its own cgroup then
 * looks like "/" from inside.
 */
void unshare_cgroup_namespace(void) {
  step_pause("unshare", "unshare", "CLONE_NEWCGROUP", "unshare --cgroup");
  double t0 = trace_clock();
  if (unshare(CLONE_NEWCGROUP) < 0) die_errno("unshare(CLONE_NEWCGROUP)");
  trace_step(t0, "unshare", "unshare", "CLONE_NEWCGROUP", "unshare --cgroup", "ok");
}

/* Opened first, while every path still resolves in the caller's mount namespace. */
void open_namespace_files(const char *const paths[NS_COUNT], int fds[NS_COUNT]) {
  for (int k = 0; k < NS_COUNT; k++) {
    fds[k] = -1;
    if (!paths[k]) continue;
    fds[k] = open(paths[k], O_RDONLY | O_CLOEXEC);
    if (fds[k] < 0) die_errno("open %s namespace %s", kinds[k].name, paths[k]);
  }
}

/*
 * setns() into each open namespace, the user namespace first: joining it gives us the
 * capabilities over the namespaces it owns, which the others need. A pid namespace applies to
 * our children only, so the caller forks after this.
 */
void join_namespaces(const char *const paths[NS_COUNT], int fds[NS_COUNT]) {
  for (int k = 0; k < NS_COUNT; k++) {
    if (fds[k] < 0) continue;
    char args[600], command[600];
    snprintf(args, sizeof args, "open(\"%s\"), %s", paths[k], kinds[k].flag_name);
    snprintf(command, sizeof command, "nsenter %s=%s", kinds[k].nsenter, paths[k]);
    step_pause("setns", "setns", args, command);
    double t0 = trace_clock();
    if (setns(fds[k], kinds[k].flag) < 0) die_errno("setns into the %s namespace", kinds[k].name);
    trace_step(t0, "setns", "setns", args, command, "ok");
    close(fds[k]);
    fds[k] = -1;
  }
}
