#include "byhand.h"
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void write_file(const char *path, const char *text) {
  char command[160];
  snprintf(command, sizeof command, "echo '%.*s' > %s", (int)strcspn(text, "\n"), text, path);
  step_pause(strstr(path, "uid_map") ? "uid_map" : "gid_map", "write", path, command);
  double t0 = trace_clock();
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open %s", path);
  ssize_t len = (ssize_t)strlen(text);
  if (write(fd, text, (size_t)len) != len) die_errno("write '%s' to %s", text, path);
  close(fd);
  trace_step(t0, strstr(path, "uid_map") ? "uid_map" : "gid_map", "write", path, command, "ok");
}

/*
 * Root (0) inside maps to `base` outside, and the next count-1 ids follow. The parent writes the
 * maps: only a process holding CAP_SETUID over the parent namespace may map a whole range.
 */
void write_id_maps(pid_t child, unsigned long base, unsigned long count) {
  char path[64], map[64];
  snprintf(map, sizeof map, "0 %lu %lu\n", base, count);
  snprintf(path, sizeof path, "/proc/%d/uid_map", (int)child);
  write_file(path, map);
  snprintf(path, sizeof path, "/proc/%d/gid_map", (int)child);
  write_file(path, map);
}

/* Until now we ran as host root, which is unmapped (nobody) here; switch to the mapped root. */
void become_root_inside(void) {
  step_pause("become-root", "setresuid", "0, 0, 0", NULL);
  double t0 = trace_clock();
  if (setresgid(0, 0, 0) < 0) die_errno("setresgid(0, 0, 0) inside the user namespace");
  if (setgroups(0, NULL) < 0) die_errno("setgroups(0, NULL)");
  if (setresuid(0, 0, 0) < 0) die_errno("setresuid(0, 0, 0) inside the user namespace");
  trace_step(t0, "become-root", "setresuid", "0, 0, 0", NULL, "uid 0 inside the user namespace");
}
