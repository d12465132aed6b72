#include "byhand.h"
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static pid_t child_pid;

static void forward_signal(int sig) {
  if (child_pid > 0) kill(child_pid, sig);
}

static int same_file(const char *a, const char *b) {
  struct stat sa, sb;
  if (stat(a, &sa) < 0) die_errno("stat %s", a);
  if (stat(b, &sb) < 0) die_errno("stat %s (is the container running?)", b);
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The target's namespaces that differ from ours: the ones to join. */
static void target_namespaces(pid_t target, char paths[NS_COUNT][64], const char *use[NS_COUNT]) {
  for (int k = 0; k < NS_COUNT; k++) {
    char ours[64];
    snprintf(paths[k], sizeof paths[k], "/proc/%d/ns/%s", (int)target, ns_name(k));
    snprintf(ours, sizeof ours, "/proc/self/ns/%s", ns_name(k));
    use[k] = same_file(ours, paths[k]) ? NULL : paths[k];
  }
}

/* As nsenter does: the container's root, opened before joining, becomes our root. */
static void enter_root(int root_fd) {
  double t0 = trace_clock();
  if (fchdir(root_fd) < 0) die_errno("fchdir to the container's root");
  if (chroot(".") < 0) die_errno("chroot to the container's root");
  if (chdir("/") < 0) die_errno("chdir /");
  close(root_fd);
  trace_step(t0, "chroot", "chroot", "/proc/PID/root", "chroot /proc/PID/root", "ok");
}

static void exec_child(int sock, const struct config *cfg) __attribute__((noreturn));
static void exec_child(int sock, const struct config *cfg) {
  if (!cfg->detach) prctl(PR_SET_PDEATHSIG, SIGKILL);
  take_controlling_tty();
  start_command(cfg, sock, -1);
}

/*
 * `exec --target PID`: move into the container's cgroups, join every namespace of PID that
 * differs from ours (user first), take its root, then fork: only our children land in its pid
 * namespace. The child drops privileges like a run's command and execs; we wait for its code.
 */
int exec_in_container(const struct config *cfg) {
  char paths[NS_COUNT][64], root[64];
  const char *use[NS_COUNT];
  int fds[NS_COUNT];
  target_namespaces(cfg->target, paths, use);
  snprintf(root, sizeof root, "/proc/%d/root", (int)cfg->target);
  int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) die_errno("open %s (is the container running?)", root);
  open_namespace_files(use, fds);
  write_cgroup_procs(cfg->cgroup_procs, cfg->ncgroups, getpid());
  int joined_user = use[NS_USER] != NULL;
  join_namespaces(use, fds);
  enter_root(root_fd);
  if (joined_user) become_root_inside();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) die_errno("socketpair");
  release_controlling_tty();
  double t0 = trace_clock();
  child_pid = fork();
  if (child_pid < 0) die_errno("fork");
  if (child_pid == 0) {
    close(sv[0]);
    exec_child(sv[1], cfg);
  }
  close(sv[1]);
  char result[32];
  snprintf(result, sizeof result, "pid %d", (int)child_pid);
  trace_step(t0, "fork", "fork", "into the joined pid namespace", NULL, result);
  struct sigaction fwd = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
  sigaction(SIGTERM, &fwd, NULL);
  sigaction(SIGINT, &fwd, NULL);
  sigaction(SIGHUP, &fwd, NULL);
  return wait_until_started(sv[0], child_pid, NULL, cfg->detach);
}
