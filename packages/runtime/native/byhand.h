/* Shared declarations of the byhand-init helper: one .c file per kernel concept. */
#ifndef BYHAND_H
#define BYHAND_H

#define _GNU_SOURCE
#include <stddef.h>
#include <sys/types.h>

struct sandbox_config {
  const char *hostname;
  const char *rootfs;
  unsigned long uid_base;
  unsigned long uid_count;
  const char *upper_size;
  char **env;   /* NULL-terminated KEY=VALUE list for the command */
  char **argv;  /* the command run inside, argv[0] an absolute path */
};

/* errors.c: messages go to stderr, which is the learner's terminal. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void die_errno(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* config.c */
void parse_config(int argc, char **argv, struct sandbox_config *cfg);

/* sync.c: the parent and the child talk over a socketpair, one message per step. */
void sync_send(int sock, char msg, int fd_to_pass);
char sync_recv(int sock, int *fd_received);

/* namespaces.c */
pid_t clone_into_namespaces(void);

/* userns.c */
void write_id_maps(pid_t child, unsigned long base, unsigned long count);
void become_root_inside(void);

/* tty.c */
void release_controlling_tty(void);
void take_controlling_tty(void);

/* overlay.c */
int idmapped_lower_layer(const char *rootfs, pid_t child);
void mount_overlay_rootfs(int lower_fd, const char *upper_size, const char *merged);

/* rootfs.c */
void mount_pseudo_filesystems(const char *root);
void pivot_into(const char *root);

/* uts.c */
void set_hostname(const char *name);

/* net.c */
void bring_up_loopback(void);

/* fds.c */
void close_inherited_fds(void);

/* init.c: pid 1 of the sandbox. */
int run_as_init(char **argv, char **env) __attribute__((noreturn));

#endif
