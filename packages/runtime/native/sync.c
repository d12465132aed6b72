#include "byhand.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* One byte per message; a file descriptor may ride along (SCM_RIGHTS). */
void sync_send(int sock, char msg, int fd_to_pass) {
  struct iovec iov = {.iov_base = &msg, .iov_len = 1};
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (fd_to_pass >= 0) {
    memset(&u, 0, sizeof u);
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd_to_pass, sizeof(int));
  }
  if (sendmsg(sock, &mh, MSG_NOSIGNAL) != 1) die_errno("sync: send '%c'", msg);
}

char sync_recv(int sock, int *fd_received) {
  char msg = 0;
  struct iovec iov = {.iov_base = &msg, .iov_len = 1};
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                      .msg_controllen = sizeof u.buf};
  ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  if (n < 0) die_errno("sync: receive");
  if (n == 0) die("sync: the other side exited before finishing set-up");
  if (fd_received) {
    *fd_received = -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (c && c->cmsg_type == SCM_RIGHTS) memcpy(fd_received, CMSG_DATA(c), sizeof(int));
  }
  return msg;
}

/* For the parent after set-up: the socket closes (EOF) when the child's execve succeeds. */
int sync_try_recv(int sock, char *msg) {
  ssize_t n;
  do n = recv(sock, msg, 1, 0); while (n < 0 && errno == EINTR);
  if (n < 0) die_errno("sync: receive");
  return n == 1;
}

/* For news the parent may no longer be waiting for (it left after --detach): errors are fine. */
void sync_notify(int sock, char msg) {
  if (send(sock, &msg, 1, MSG_NOSIGNAL) < 0) return;
}
