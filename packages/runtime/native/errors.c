#include "byhand.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 125 is what container runtimes return when the runtime itself failed. */
#define EXIT_RUNTIME_FAILED 125

void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("byhand-init: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\r\n", stderr);
  va_end(ap);
  exit(EXIT_RUNTIME_FAILED);
}

void die_errno(const char *fmt, ...) {
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  fputs("byhand-init: ", stderr);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, ": %s\r\n", strerror(saved));
  va_end(ap);
  exit(EXIT_RUNTIME_FAILED);
}
