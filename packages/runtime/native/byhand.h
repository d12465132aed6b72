/* Shared declarations of the byhand-init helper: one .c file per kernel concept. */
#ifndef BYHAND_H
#define BYHAND_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_LAYERS 64
#define MAX_VOLUMES 64
#define MAX_CGROUPS 16

/* Exit codes, as Docker has them. */
#define EXIT_RUNTIME_FAILED 125
#define EXIT_NOT_EXECUTABLE 126
#define EXIT_NOT_FOUND 127

enum ns_kind { NS_USER, NS_MNT, NS_PID, NS_UTS, NS_IPC, NS_NET, NS_CGROUP, NS_TIME, NS_COUNT };

struct volume {
  const char *src;
  const char *dst;
  int readonly;
};

struct config {
  int exec_mode;       /* `byhand-init exec --target PID`: enter a running container */
  pid_t target;
  const char *hostname;
  const char *layers[MAX_LAYERS]; /* top-most first; --rootfs is a single layer */
  int nlayers;
  const char *upper, *work, *upper_size;
  unsigned long uid_base, uid_count;
  unsigned new_ns;     /* bit (1 << ns_kind) for each namespace to create */
  const char *join[NS_COUNT]; /* path of a namespace to setns() into, per kind */
  int readonly_rootfs, mask_paths, no_new_privs, no_init, detach;
  struct volume volumes[MAX_VOLUMES];
  int nvolumes;
  uint64_t caps;       /* bit per capability kept */
  int seccomp;         /* 1: the default deny-list, 0: unconfined */
  int has_user;
  uid_t uid;
  gid_t gid;
  const char *workdir, *pid_file, *wait_fifo;
  int has_oom_score_adj;
  int oom_score_adj;   /* -1000..1000, for the container's processes */
  const char *cgroup_procs[MAX_CGROUPS];
  int ncgroups;
  char **env;   /* NULL-terminated KEY=VALUE list for the command */
  char **argv;  /* the command run inside */
};

#define HAS_NS(cfg, kind) (((cfg)->new_ns >> (kind)) & 1u)

/* errors.c: messages go to stderr (the terminal) and, as an "error" step, to the trace. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void die_errno(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* trace.c: one JSON line per step on --trace-fd. */
void trace_open(int fd);
void trace_open_path(const char *path);
int trace_enabled(void);
double trace_clock(void);
void trace_step(double t0, const char *step, const char *syscall, const char *args,
                const char *command, const char *result);
void trace_error(const char *message);
void trace_announce(const char *step, const char *syscall, const char *args, const char *command);

/* step.c: --step-fd, a pause before each step until the stepper says go. */
void step_open(int fd);
void step_pause(const char *step, const char *syscall, const char *args, const char *command);
void step_settle(void);

/* config.c */
void parse_config(int argc, char **argv, struct config *cfg);

/* sync.c: the parent and the child talk over a socketpair, one message per step. */
void sync_send(int sock, char msg, int fd_to_pass);
char sync_recv(int sock, int *fd_received);
int sync_try_recv(int sock, char *msg); /* 0 on EOF, 1 with a message */
void sync_notify(int sock, char msg);

/* namespaces.c */
int ns_kind_from_name(const char *name);
const char *ns_name(int kind);
pid_t clone_into_namespaces(unsigned kinds);
void unshare_cgroup_namespace(void);
void open_namespace_files(const char *const paths[NS_COUNT], int fds[NS_COUNT]);
void join_namespaces(const char *const paths[NS_COUNT], int fds[NS_COUNT]);

/* userns.c */
void write_id_maps(pid_t child, unsigned long base, unsigned long count);
void become_root_inside(void);

/* cgroups.c */
void write_cgroup_procs(const char *const files[], int n, pid_t pid);

/* tty.c */
void release_controlling_tty(void);
void take_controlling_tty(void);

/* mounts.c: mount(2) and the new mount API, each traced as the equivalent command. */
int mount_traced(const char *src, const char *target, const char *fstype, unsigned long flags,
                 const char *data);
void mount_or_die(const char *src, const char *target, const char *fstype, unsigned long flags,
                  const char *data);
int clone_tree(const char *path, int userns_fd, int readonly, int recursive);
void move_tree(int tree, const char *target);
void make_dirs(const char *path, mode_t mode);

/* overlay.c */
const char *mount_overlay_rootfs(const struct config *cfg, const int *layer_fds, int upper_fd);
const char *upper_parent(const struct config *cfg);

/* volumes.c */
void check_volume_target(const char *dst);
void attach_volume(const struct volume *v, int tree);

/* rootfs.c */
void mount_pseudo_filesystems(const char *root);
void pivot_into(const char *root);
void make_rootfs_readonly(void);

/* masked_paths.c */
void mask_paths(void);

/* uts.c */
void set_hostname(const char *name);

/* net.c */
void bring_up_loopback(void);

/* fds.c */
void close_inherited_fds(void);
void close_fds_on_exec(void);

/* capabilities.c */
int cap_from_name(const char *name);
uint64_t all_capabilities(void);
void drop_bounding_capabilities(uint64_t keep);
void set_capabilities(uint64_t keep);

/* credentials.c */
void switch_user(uid_t uid, gid_t gid);

/* no_new_privs.c */
void set_no_new_privs(void);

/* oom.c */
void set_oom_score_adj(int value);

/* seccomp.c */
void load_seccomp_default(void);
void load_seccomp_default_quietly(void);

/* fifo.c */
int open_fifo_path(const char *path);
void wait_on_fifo(int path_fd);

/* execve.c */
void exec_command(char **argv, char **env, int sock) __attribute__((noreturn));

/* command.c: the last steps before execve, shared by run and exec. */
void start_command(const struct config *cfg, int sock, int fifo_fd) __attribute__((noreturn));

/* init.c: pid 1 of a sandbox. Returns in the forked command's process only. */
void fork_init(const struct config *cfg);

/* run.c, exec.c: the two modes. */
int run_container(const struct config *cfg);
int exec_in_container(const struct config *cfg);

/* The messages of the sync socket. */
enum {
  MSG_MAPPED = 'm', MSG_LAYER = 'l', MSG_UPPER = 'u', MSG_VOLUME = 'v', MSG_FIFO = 'f', MSG_GO = 'g',
  MSG_WAITING = 'w', MSG_EXECUTING = 'r', MSG_EXEC_FAILED = 'e'
};
int wait_until_started(int sock, pid_t child, const char *pid_file, int detach);

#endif
