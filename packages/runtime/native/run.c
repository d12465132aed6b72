#include "byhand.h"
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* What the parent prepared on the host and hands over, one fd per message. */
struct handover {
  int layers[MAX_LAYERS];
  int upper;
  int volumes[MAX_VOLUMES];
  int fifo;
};

static pid_t child_pid;

static void kill_child(int sig) {
  (void)sig;
  if (child_pid > 0) kill(child_pid, SIGKILL);
}

static int userns_fd_for(const struct config *cfg, pid_t child) {
  if (!HAS_NS(cfg, NS_USER)) return -1;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open %s", path);
  return fd;
}

/* Layers, the writable layer's directory and volumes as detached (idmapped) mounts. */
static void prepare_mounts(const struct config *cfg, int userns, struct handover *h) {
  for (int i = 0; i < cfg->nlayers; i++) h->layers[i] = clone_tree(cfg->layers[i], userns, 1, 0);
  h->upper = cfg->upper ? clone_tree(upper_parent(cfg), userns, 0, 0) : -1;
  /*
   * A read-only volume is not idmapped: root inside a user namespace can remount it read-write
   * (mounts attached after the namespace exists are not locked), but its files' host owners
   * stay unmapped there, so that root still has no right to write them.
   */
  for (int i = 0; i < cfg->nvolumes; i++)
    h->volumes[i] = clone_tree(cfg->volumes[i].src, cfg->volumes[i].readonly ? -1 : userns,
                               cfg->volumes[i].readonly, 1);
  h->fifo = cfg->wait_fifo ? open_fifo_path(cfg->wait_fifo) : -1;
}

static void send_handover(int sock, const struct config *cfg, struct handover *h) {
  for (int i = 0; i < cfg->nlayers; i++) sync_send(sock, MSG_LAYER, h->layers[i]), close(h->layers[i]);
  if (h->upper >= 0) sync_send(sock, MSG_UPPER, h->upper), close(h->upper);
  for (int i = 0; i < cfg->nvolumes; i++) sync_send(sock, MSG_VOLUME, h->volumes[i]), close(h->volumes[i]);
  if (h->fifo >= 0) sync_send(sock, MSG_FIFO, h->fifo), close(h->fifo);
  sync_send(sock, MSG_GO, -1);
}

static int expect_fd(int sock, char want) {
  int fd = -1;
  char got = sync_recv(sock, &fd);
  if (got != want || fd < 0) die("sync: expected '%c' with an fd from the parent, got '%c'", want, got);
  return fd;
}

static void receive_handover(int sock, const struct config *cfg, struct handover *h) {
  for (int i = 0; i < cfg->nlayers; i++) h->layers[i] = expect_fd(sock, MSG_LAYER);
  h->upper = cfg->upper ? expect_fd(sock, MSG_UPPER) : -1;
  for (int i = 0; i < cfg->nvolumes; i++) h->volumes[i] = expect_fd(sock, MSG_VOLUME);
  h->fifo = cfg->wait_fifo ? expect_fd(sock, MSG_FIFO) : -1;
  if (sync_recv(sock, NULL) != MSG_GO) die("sync: expected the go-ahead from the parent");
}

/* Dies with the parent until detached; set again after a credential change (which clears it). */
static void die_with_parent(void) { prctl(PR_SET_PDEATHSIG, SIGKILL); }

static void build_rootfs(const struct config *cfg, struct handover *h) {
  mount_or_die(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
  const char *merged = mount_overlay_rootfs(cfg, h->layers, h->upper);
  mount_pseudo_filesystems(merged);
  pivot_into(merged);
  for (int i = 0; i < cfg->nvolumes; i++) attach_volume(&cfg->volumes[i], h->volumes[i]);
  if (cfg->mask_paths) mask_paths();
  if (cfg->readonly_rootfs) make_rootfs_readonly();
}

static void child(int sock, const struct config *cfg) __attribute__((noreturn));
static void child(int sock, const struct config *cfg) {
  die_with_parent();
  if (sync_recv(sock, NULL) != MSG_MAPPED) die("unexpected message from parent");
  if (HAS_NS(cfg, NS_USER) || cfg->join[NS_USER]) become_root_inside();
  die_with_parent();
  if (HAS_NS(cfg, NS_CGROUP)) unshare_cgroup_namespace();
  struct handover h;
  receive_handover(sock, cfg, &h);
  take_controlling_tty();
  build_rootfs(cfg, &h);
  if (cfg->hostname) set_hostname(cfg->hostname);
  if (HAS_NS(cfg, NS_NET)) bring_up_loopback();
  if (!cfg->no_init) fork_init(cfg);
  start_command(cfg, sock, h.fifo);
}

/*
 * The parent, on the host: joins what is to be shared, clones the child into the new
 * namespaces (cgroup's comes later, from the child), writes its id maps and cgroup.procs, hands
 * over the mounts only host root can make, then waits for the command to start (and to end,
 * unless detached).
 */
int run_container(const struct config *cfg) {
  if (geteuid() != 0) die("must run as root (it maps the container's root to an unprivileged uid)");
  int join_fds[NS_COUNT];
  open_namespace_files(cfg->join, join_fds);
  struct handover h;
  int joined_user = join_fds[NS_USER] >= 0 ? dup(join_fds[NS_USER]) : -1;
  /* In a joined user namespace we would have no privilege left over the host's mounts. */
  if (joined_user >= 0) prepare_mounts(cfg, joined_user, &h);
  join_namespaces(cfg->join, join_fds);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) die_errno("socketpair");
  child_pid = clone_into_namespaces(cfg->new_ns & ~(1u << NS_CGROUP));
  if (child_pid == 0) {
    close(sv[0]);
    child(sv[1], cfg);
  }
  close(sv[1]);
  struct sigaction on_stop = {.sa_handler = kill_child, .sa_flags = SA_RESTART};
  sigaction(SIGTERM, &on_stop, NULL);
  sigaction(SIGINT, &on_stop, NULL);
  if (HAS_NS(cfg, NS_USER)) write_id_maps(child_pid, cfg->uid_base, cfg->uid_count);
  write_cgroup_procs(cfg->cgroup_procs, cfg->ncgroups, child_pid);
  release_controlling_tty();
  if (joined_user < 0) {
    int userns = userns_fd_for(cfg, child_pid);
    prepare_mounts(cfg, userns, &h);
    if (userns >= 0) close(userns);
  } else {
    close(joined_user);
  }
  /*
   * The child goes on only now, so parent and child never take steps at the same time: the
   * trace (and --explain) has one order, and --step pauses one process at a time.
   */
  sync_send(sv[0], MSG_MAPPED, -1);
  send_handover(sv[0], cfg, &h);
  return wait_until_started(sv[0], child_pid, cfg->pid_file, cfg->detach);
}
