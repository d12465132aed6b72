#include "byhand.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/*
 * The pty is our controlling terminal. Give it up so the sandbox's init can make it the
 * controlling terminal of its own session: then job control (Ctrl-C, Ctrl-Z) works inside, and
 * a hang-up (the agent closing the pty) reaches the sandbox directly.
 */
void release_controlling_tty(void) {
  if (!isatty(STDIN_FILENO)) return;
  /* As session leader we would get SIGHUP from giving it up: ignore that one. */
  struct sigaction ign = {.sa_handler = SIG_IGN}, old;
  sigaction(SIGHUP, &ign, &old);
  ioctl(STDIN_FILENO, TIOCNOTTY);
  sigaction(SIGHUP, &old, NULL);
}

/*
 * A terminal still held by another session (the caller was not its session leader, e.g. a
 * shell ran us) cannot be taken: the command then runs on it without job control.
 */
void take_controlling_tty(void) {
  if (setsid() < 0) die_errno("setsid");
  if (!isatty(STDIN_FILENO)) return;
  step_pause("tty", "ioctl", "TIOCSCTTY", NULL);
  double t0 = trace_clock();
  if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0) {
    if (errno != EPERM) die_errno("ioctl(TIOCSCTTY)");
    trace_step(t0, "tty", "ioctl", "TIOCSCTTY", NULL, "EPERM: the terminal belongs to another session");
    return;
  }
  trace_step(t0, "tty", "ioctl", "TIOCSCTTY", NULL, "ok");
}
