/*
 * byhand-init: makes a container (or a learner's sandbox) and runs a command in it, or runs a
 * command in a running container (`exec`). The TypeScript side drives it only through its
 * arguments, its exit code and the trace on --trace-fd.
 *
 *   parent (host root)                       child (clone3: new user/mnt/pid/uts/ipc/net[/time] ns)
 *   -------------------------------------    ------------------------------------------------
 *   setns into each --join namespace
 *   clone3 ─────────────────────────────▶    waits for its id maps
 *   write uid_map, gid_map, cgroup.procs
 *   give up the controlling tty
 *   idmapped mounts of the layers, the
 *   upper dir, volumes
 *                              ── 'm' ──▶    become root inside, unshare the cgroup ns
 *                       ─── fds, 'g' ────▶    take the tty; tmpfs + overlay, /proc /dev /sys /tmp, pivot_root,
 *                                            volumes, masked paths, read-only root,
 *                                            hostname, lo up; fork pid 1 (unless --no-init)
 *                                            command: workdir, no_new_privs, seccomp, drop caps,
 *                                            --user; close fds on exec
 *                              ◀── 'w' ──    waits on --wait-fifo until it is read
 *   write --pid-file           ◀── 'r' ──    execve (the socket closes: it is close-on-exec)
 *   exit 0 (--detach), or wait and exit with the command's code
 *
 * Options (see `usage` in config.c):
 *   run:  --rootfs DIR | --layer DIR... (top first); --upper-size SIZE | --upper DIR --work DIR
 *         (same parent dir); --uid-base N --uid-count N | --no-userns; --namespaces LIST;
 *         --join KIND:PATH...; --hostname NAME; --volume SRC:DST[:ro]...; --readonly-rootfs;
 *         --mask-paths; --pid-file FILE; --cgroup-procs FILE...; --wait-fifo FIFO; --no-init;
 *         --detach
 *   exec: --target PID; --detach
 *   both: --env K=V...; --user UID[:GID]; --workdir DIR; --cap all|LIST; --seccomp
 *         default|unconfined (default when absent); --no-new-privs; --oom-score-adj N; --trace-fd N
 *   --step-fd N (run): before each step, announce it on the trace and wait for a byte on N
 *         (`byhand run --step`; see step.c)
 * Exit codes: 125 the helper failed (message on stderr), 126 the command cannot be executed,
 * 127 it was not found, otherwise the command's code (128+N when killed by signal N).
 */
#include "byhand.h"
#include <sys/prctl.h>

int main(int argc, char **argv) {
  /*
   * Not dumpable: once we are in a container's namespaces, its processes must not be able to
   * ptrace us and reach the host fds we hold (execve makes the command dumpable again).
   */
  prctl(PR_SET_DUMPABLE, 0);
  struct config cfg;
  parse_config(argc, argv, &cfg);
  /* First, so every process of the container inherits it: the sandbox's and exec's alike. */
  if (cfg.has_oom_score_adj) set_oom_score_adj(cfg.oom_score_adj);
  return cfg.exec_mode ? exec_in_container(&cfg) : run_container(&cfg);
}
