#include "byhand.h"
#include <sys/prctl.h>

/* From here on no execve can gain privileges: setuid bits and file capabilities are ignored. */
void set_no_new_privs(void) {
  step_pause("no_new_privs", "prctl", "PR_SET_NO_NEW_PRIVS, 1", NULL);
  double t0 = trace_clock();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die_errno("prctl(PR_SET_NO_NEW_PRIVS)");
  trace_step(t0, "no_new_privs", "prctl", "PR_SET_NO_NEW_PRIVS, 1", NULL, "ok");
}
