#include "byhand.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(const char *fmt, va_list ap, int err) __attribute__((format(printf, 1, 0)));
static void report(const char *fmt, va_list ap, int err) {
  char msg[1024];
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  if (err && n >= 0 && (size_t)n < sizeof msg)
    snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(err));
  /* \r\n: stderr is often the learner's raw-mode pty. */
  fprintf(stderr, "byhand-init: %s\r\n", msg);
  trace_error(msg);
}

void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(fmt, ap, 0);
  va_end(ap);
  exit(EXIT_RUNTIME_FAILED);
}

void die_errno(const char *fmt, ...) {
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  report(fmt, ap, saved);
  va_end(ap);
  exit(EXIT_RUNTIME_FAILED);
}
