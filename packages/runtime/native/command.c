#include "byhand.h"
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

static void change_dir(const char *dir) {
  step_pause("chdir", "chdir", dir, NULL);
  double t0 = trace_clock();
  if (chdir(dir) < 0) die_errno("--workdir %s: chdir", dir);
  trace_step(t0, "chdir", "chdir", dir, NULL, "ok");
}

/*
 * The last steps, in the process that becomes the command: privileges go down in an order where
 * each step still has what it needs (seccomp while CAP_SYS_ADMIN is held, the bounding set while
 * CAP_SETPCAP is, the user switch while CAP_SETUID is), then execve. Every fd above 2 is
 * close-on-exec by then, the sync socket and the trace fd included; the parent learns that the
 * exec happened when the socket closes.
 */
void start_command(const struct config *cfg, int sock, int fifo_fd) {
  close_fds_on_exec();
  if (cfg->workdir) change_dir(cfg->workdir);
  if (cfg->no_new_privs) set_no_new_privs();
  if (cfg->seccomp) load_seccomp_default();
  drop_bounding_capabilities(cfg->caps);
  if (cfg->has_user) switch_user(cfg->uid, cfg->gid);
  set_capabilities(cfg->caps);
  /* A new uid clears the parent-death signal; a detached command must not have one. */
  prctl(PR_SET_PDEATHSIG, cfg->detach ? 0 : SIGKILL);
  if (fifo_fd >= 0) {
    sync_notify(sock, MSG_WAITING);
    wait_on_fifo(fifo_fd);
  }
  sync_notify(sock, MSG_EXECUTING);
  exec_command(cfg->argv, cfg->env, sock);
}
