#include "byhand.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * The OOM killer's preference for this process and, inherited, its children. Raising it needs
 * nothing; a process without CAP_SYS_RESOURCE on the host (everything in a container) may lower
 * it no further than its floor, 0 unless set otherwise, so it never gets below a protected agent.
 */
void set_oom_score_adj(int value) {
  char text[16];
  int len = snprintf(text, sizeof text, "%d", value);
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open /proc/self/oom_score_adj");
  if (write(fd, text, (size_t)len) != len) die_errno("--oom-score-adj %d: write /proc/self/oom_score_adj", value);
  close(fd);
}

