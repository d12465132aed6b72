#include "byhand.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_pid_file(const char *file, pid_t pid) {
  if (!file) return;
  char text[32];
  int len = snprintf(text, sizeof text, "%d", (int)pid);
  int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, text, (size_t)len) != len) die_errno("write --pid-file %s", file);
  close(fd);
}

static int exit_code_of(pid_t child) {
  int status;
  while (waitpid(child, &status, 0) < 0) {}
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/*
 * The parent's side once the child is set up. The child says 'w' when it waits on the fifo and
 * 'r' just before execve; the socket then closes when execve succeeds (it is close-on-exec), or
 * 'e' comes when it failed. EOF before any of them: the set-up failed and the child is exiting.
 * With --detach the parent leaves as soon as the container waits on its fifo or runs its command;
 * otherwise it waits and returns the command's exit code.
 */
int wait_until_started(int sock, pid_t child, const char *pid_file, int detach) {
  int executing = 0;
  char msg;
  while (sync_try_recv(sock, &msg)) {
    if (msg == MSG_WAITING) {
      write_pid_file(pid_file, child);
      if (detach) return 0;
    } else if (msg == MSG_EXECUTING) {
      executing = 1;
    } else if (msg == MSG_EXEC_FAILED) {
      return exit_code_of(child);
    }
  }
  close(sock);
  if (!executing) return exit_code_of(child);
  write_pid_file(pid_file, child);
  if (detach) return 0;
  return exit_code_of(child);
}
