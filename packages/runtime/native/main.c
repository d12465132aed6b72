/*
 * byhand-init: turns itself into a learner's sandbox, then runs a command (a shell) in it.
 *
 *   parent (host root)                       child (clone: new user/mnt/pid/uts/ipc/net/cgroup ns)
 *   -------------------------------------    ------------------------------------------------
 *   clone ──────────────────────────────▶    waits for its id maps
 *   write uid_map, gid_map                   
 *   give up the controlling tty
 *   idmapped mount of the image ── fd ──▶    become root inside, take the tty
 *                                            tmpfs + overlay, /proc /dev /sys /tmp, pivot_root
 *                                            hostname, lo up, close fds, fork the shell
 *   wait, exit with its code                 pid 1: reap, end everything when the shell exits
 *
 * It talks to the TypeScript side only through its arguments and its exit code.
 */
#include "byhand.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MSG_MAPPED = 'm', MSG_GO = 'g' };

static pid_t child_pid;

static void kill_child(int sig) {
  (void)sig;
  if (child_pid > 0) kill(child_pid, SIGKILL);
}

static void child(int sock, const struct sandbox_config *cfg) __attribute__((noreturn));
static void child(int sock, const struct sandbox_config *cfg) {
  /* Die with the parent, and keep the host's view of us private while we hold host fds. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_DUMPABLE, 0);
  if (sync_recv(sock, NULL) != MSG_MAPPED) die("unexpected message from parent");
  become_root_inside();
  int lower = -1;
  if (sync_recv(sock, &lower) != MSG_GO || lower < 0) die("parent sent no image mount");
  take_controlling_tty();
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die_errno("mount --make-rprivate /");
  const char *base = "/tmp";
  mount_overlay_rootfs(lower, cfg->upper_size, base);
  mount_pseudo_filesystems("/tmp/merged");
  pivot_into("/tmp/merged");
  set_hostname(cfg->hostname);
  bring_up_loopback();
  close_inherited_fds();
  prctl(PR_SET_DUMPABLE, 1);
  run_as_init(cfg->argv, cfg->env);
}

int main(int argc, char **argv) {
  struct sandbox_config cfg;
  parse_config(argc, argv, &cfg);
  if (geteuid() != 0) die("must run as root (it maps the sandbox's root to an unprivileged uid)");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) die_errno("socketpair");
  child_pid = clone_into_namespaces();
  if (child_pid == 0) {
    close(sv[0]);
    child(sv[1], &cfg);
  }
  close(sv[1]);
  struct sigaction on_stop = {.sa_handler = kill_child};
  sigaction(SIGTERM, &on_stop, NULL);
  sigaction(SIGINT, &on_stop, NULL);
  write_id_maps(child_pid, cfg.uid_base, cfg.uid_count);
  sync_send(sv[0], MSG_MAPPED, -1);
  release_controlling_tty();
  int lower = idmapped_lower_layer(cfg.rootfs, child_pid);
  sync_send(sv[0], MSG_GO, lower);
  close(lower);
  close(sv[0]);
  int status;
  while (waitpid(child_pid, &status, 0) < 0) {}
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
