#include "byhand.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Our own UTS namespace: this name is seen only inside the sandbox. */
void set_hostname(const char *name) {
  char command[128];
  snprintf(command, sizeof command, "hostname %s", name);
  step_pause("hostname", "sethostname", name, command);
  double t0 = trace_clock();
  if (sethostname(name, strlen(name)) < 0) die_errno("sethostname(%s)", name);
  trace_step(t0, "hostname", "sethostname", name, command, "ok");
}
