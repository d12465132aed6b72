#include "byhand.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/*
 * --step-fd: `byhand run --step` pauses the helper before each step. The helper announces the
 * step on the trace fd (the same fields as its trace line, without a result) and blocks until
 * the stepper writes one byte on this fd. The parent and the child share the fd, but only one of
 * them is ever between two steps (they hand over on the sync socket), so bytes never go to the
 * wrong one. End of file means the learner aborted: the helper ends on the spot, and with it
 * everything it made in its namespaces (the child dies with its parent, and the other way round).
 */
static int step_fd = -1;

void step_open(int fd) {
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) die_errno("--step-fd %d is not an open file descriptor", fd);
  step_fd = fd;
}

void step_pause(const char *step, const char *syscall, const char *args, const char *command) {
  if (step_fd < 0) return;
  if (!trace_enabled()) die("--step-fd needs --trace-fd or --trace-path: each step is announced there");
  trace_announce(step, syscall, args, command);
  char go;
  ssize_t n;
  do n = read(step_fd, &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) _exit(EXIT_RUNTIME_FAILED);
}

/*
 * After the last step's trace line: waits for the stepper to have shown it, so that the line is
 * on the learner's terminal before anything the command itself prints (the prompt of a shell).
 */
void step_settle(void) {
  if (step_fd < 0) return;
  char ack;
  ssize_t n;
  do n = read(step_fd, &ack, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) _exit(EXIT_RUNTIME_FAILED);
}
