#include "byhand.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * --trace-fd: one JSON object per line for each step, which `byhand --explain` prints. The
 * parent and the child share the fd, so each line goes out in a single write() and lines never
 * interleave. The fd is close-on-exec by the time the command runs.
 */
static int trace_fd = -1;

void trace_open(int fd) {
  if (fcntl(fd, F_GETFD) < 0) die_errno("--trace-fd %d is not an open file descriptor", fd);
  trace_fd = fd;
}

/*
 * --trace-path: the same lines into a file or FIFO the helper opens itself, for callers that
 * cannot hand it an extra fd (node-pty). Close-on-exec like --trace-fd; a FIFO blocks here until
 * its reader has opened it.
 */
void trace_open_path(const char *path) {
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) die_errno("--trace-path: cannot open %s for writing", path);
  trace_fd = fd;
}

int trace_enabled(void) { return trace_fd >= 0; }

double trace_clock(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Appends "key":"value" with JSON escaping; returns the new length. */
static size_t put_field(char *buf, size_t len, size_t cap, const char *key, const char *value) {
  if (!value) return len;
  len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s\"%s\":\"", len > 1 ? "," : "", key);
  for (const unsigned char *p = (const unsigned char *)value; *p && len + 8 < cap; p++) {
    if (*p == '"' || *p == '\\') len += (size_t)snprintf(buf + len, cap - len, "\\%c", *p);
    else if (*p < 0x20) len += (size_t)snprintf(buf + len, cap - len, "\\u%04x", *p);
    else buf[len++] = (char)*p;
  }
  if (len + 1 < cap) buf[len++] = '"';
  return len;
}

static void trace_line(double t0, const char *phase, const char *step, const char *syscall,
                       const char *args, const char *command, const char *result) {
  if (trace_fd < 0) return;
  char buf[4096];
  size_t len = 1;
  buf[0] = '{';
  len = put_field(buf, len, sizeof buf - 60, "phase", phase);
  len = put_field(buf, len, sizeof buf - 60, "step", step);
  len = put_field(buf, len, sizeof buf - 60, "syscall", syscall);
  len = put_field(buf, len, sizeof buf - 60, "args", args);
  len = put_field(buf, len, sizeof buf - 60, "command", command);
  len = put_field(buf, len, sizeof buf - 60, "result", result);
  if (phase) len += (size_t)snprintf(buf + len, sizeof buf - len, ",\"pid\":%d}\n", (int)getpid());
  else len += (size_t)snprintf(buf + len, sizeof buf - len, ",\"ms\":%.3f}\n", t0 > 0 ? trace_clock() - t0 : 0.0);
  /* A failed trace write must not stop the container: the trace is only narration. */
  if (write(trace_fd, buf, len) < 0) trace_fd = -1;
}

void trace_step(double t0, const char *step, const char *syscall, const char *args,
                const char *command, const char *result) {
  trace_line(t0, NULL, step, syscall, args, command, result);
}

/* For --step: the step about to run ("phase":"next"), from the process that will run it. */
void trace_announce(const char *step, const char *syscall, const char *args, const char *command) {
  trace_line(0, "next", step, syscall, args, command, NULL);
}

void trace_error(const char *message) { trace_step(0, "error", NULL, NULL, NULL, message); }
