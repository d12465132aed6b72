#include "byhand.h"
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/*
 * --wait-fifo (runc's exec.fifo): `create` leaves the container set up and blocked here;
 * `start` opens the fifo for reading, which lets this open() return, and the command runs.
 * The parent opens the path (O_PATH, no blocking) while it is still reachable on the host.
 */
int open_fifo_path(const char *path) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) die_errno("open --wait-fifo %s (create it with mkfifo first)", path);
  return fd;
}

void wait_on_fifo(int path_fd) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", path_fd);
  double t0 = trace_clock();
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open the --wait-fifo for writing (it must be writable by the container's root)");
  close(fd);
  close(path_fd);
  trace_step(t0, "wait-fifo", "open", "O_WRONLY", NULL, "started");
}
