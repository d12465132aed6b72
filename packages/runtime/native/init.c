#include "byhand.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

/* Ending pid 1 would end the namespace anyway; killing first makes it immediate. */
static void end_sandbox(int code) __attribute__((noreturn));
static void end_sandbox(int code) {
  kill(-1, SIGKILL);
  while (wait(NULL) > 0) {}
  _exit(code);
}

static void reap(pid_t cmd, sigset_t *all) __attribute__((noreturn));
static void reap(pid_t cmd, sigset_t *all) {
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(all, &si);
    if (sig == SIGHUP || sig == SIGTERM || sig == SIGINT) end_sandbox(128 + sig);
    if (sig != SIGCHLD) continue;
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == cmd) end_sandbox(exit_code_of(status));
    }
  }
}

/*
 * pid 1 is as confined as the command, or more: the command's seccomp filter (else a learner
 * could ptrace pid 1 and make the denied calls through it), no_new_privs, and not dumpable
 * (main() made it so; the command becomes dumpable again at execve). Not being dumpable means
 * nobody in the container may ptrace it or open its /proc/1/mem, root or ns links: its memory was made
 * by the host's exec, so only host root passes the check.
 */
static void confine_init(const struct config *cfg) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die_errno("prctl(PR_SET_NO_NEW_PRIVS) for pid 1");
  if (cfg->seccomp) load_seccomp_default_quietly();
}

/*
 * The sandbox's pid 1: fork the command's process (this function returns in it), then adopt and
 * reap orphans, and end everything when the command exits or the terminal hangs up. Signals are
 * taken synchronously with sigwaitinfo, so no handler runs in the middle of anything. pid 1
 * holds nothing open: no host fd, no sync socket.
 */
void fork_init(const struct config *cfg) {
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  pid_t cmd = fork();
  if (cmd < 0) die_errno("fork");
  if (cmd == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    return;
  }
  close_inherited_fds();
  if (cfg->detach) prctl(PR_SET_PDEATHSIG, 0);
  confine_init(cfg);
  reap(cmd, &all);
}
