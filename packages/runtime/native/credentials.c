#include "byhand.h"
#include <grp.h>
#include <stdio.h>
#include <unistd.h>

/*
 * --user UID[:GID], numeric as inside the container (the CLI resolves names from the image's
 * /etc/passwd). Group first: after setresuid we would no longer be allowed to change it.
 */
void switch_user(uid_t uid, gid_t gid) {
  char args[64];
  snprintf(args, sizeof args, "%u:%u", (unsigned)uid, (unsigned)gid);
  step_pause("user", "setresuid", args, NULL);
  double t0 = trace_clock();
  if (setgroups(1, &gid) < 0) die_errno("setgroups([%u])", (unsigned)gid);
  if (setresgid(gid, gid, gid) < 0) die_errno("setresgid(%u) (is the gid mapped?)", (unsigned)gid);
  if (setresuid(uid, uid, uid) < 0) die_errno("setresuid(%u) (is the uid mapped?)", (unsigned)uid);
  trace_step(t0, "user", "setresuid", args, NULL, "ok");
}
