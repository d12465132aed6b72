#include "byhand.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *path_of(char **env) {
  for (char **e = env; *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0) return *e + 5;
  return DEFAULT_PATH;
}

static void exec_failed(const char *cmd, int err, int sock) __attribute__((noreturn));
static void exec_failed(const char *cmd, int err, int sock) {
  int code = err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
  char msg[600];
  snprintf(msg, sizeof msg, "exec %s: %s", cmd,
           code == EXIT_NOT_FOUND ? "no such file or directory (not found in the container's PATH)"
                                  : strerror(err));
  fprintf(stderr, "byhand-init: %s\r\n", msg);
  trace_error(msg);
  sync_notify(sock, MSG_EXEC_FAILED);
  _exit(code);
}

/*
 * execve the command; a name without a slash is looked up in the container's PATH (the --env
 * PATH, else Docker's default), as a shell would. 127: not found; 126: found but cannot run;
 * either way the parent hears of it on `sock`.
 */
void exec_command(char **argv, char **env, int sock) {
  const char *cmd = argv[0];
  step_pause("execve", "execve", cmd, NULL);
  double t0 = trace_clock();
  trace_step(t0, "execve", "execve", cmd, NULL, "the command replaces the helper");
  step_settle();
  if (strchr(cmd, '/')) {
    execve(cmd, argv, env);
    exec_failed(cmd, errno, sock);
  }
  int err = ENOENT;
  char full[4096];
  for (const char *dir = path_of(env); dir; ) {
    const char *end = strchr(dir, ':');
    int len = end ? (int)(end - dir) : (int)strlen(dir);
    snprintf(full, sizeof full, "%.*s/%s", len, len ? dir : ".", cmd);
    execve(full, argv, env);
    if (errno != ENOENT && errno != ENOTDIR) err = errno;
    dir = end ? end + 1 : NULL;
  }
  exec_failed(cmd, err, sock);
}
