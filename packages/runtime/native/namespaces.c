#include "byhand.h"
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * One clone() makes the child in new user, mount, pid, uts, ipc, net and cgroup namespaces.
 * The user namespace is created first by the kernel, so it owns all the others: inside it the
 * child holds every capability over them and none over the host.
 * A raw clone with no stack behaves like fork(): the child continues on a copy of our stack.
 */
pid_t clone_into_namespaces(void) {
  unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS |
                        CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP | SIGCHLD;
  pid_t pid = (pid_t)syscall(SYS_clone, flags, 0, 0, 0, 0);
  if (pid < 0) die_errno("clone(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWUTS|"
                         "CLONE_NEWIPC|CLONE_NEWNET|CLONE_NEWCGROUP)");
  return pid;
}
