#include "byhand.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * The TypeScript side makes the container's cgroups (v1 or v2) and sets their limits; the helper
 * only moves the process in, before it runs anything, so nothing of the container ever runs
 * outside its limits.
 */
void write_cgroup_procs(const char *const files[], int n, pid_t pid) {
  for (int i = 0; i < n; i++) {
    char text[32], command[600];
    int len = snprintf(text, sizeof text, "%d", (int)pid);
    snprintf(command, sizeof command, "echo %d > %s", (int)pid, files[i]);
    step_pause("cgroup", "write", files[i], command);
    double t0 = trace_clock();
    int fd = open(files[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0) die_errno("open %s (does the cgroup exist?)", files[i]);
    if (write(fd, text, (size_t)len) != len) die_errno("echo %d > %s", (int)pid, files[i]);
    close(fd);
    trace_step(t0, "cgroup", "write", files[i], command, "ok");
  }
}
