#include "byhand.h"
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* A new network namespace has only `lo`, and it starts down. */
void bring_up_loopback(void) {
  step_pause("loopback", "ioctl", "SIOCSIFFLAGS lo IFF_UP", "ip link set lo up");
  double t0 = trace_clock();
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die_errno("socket(AF_INET)");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die_errno("ioctl(SIOCGIFFLAGS, lo)");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die_errno("ip link set lo up");
  close(s);
  trace_step(t0, "loopback", "ioctl", "SIOCSIFFLAGS lo IFF_UP", "ip link set lo up", "ok");
}
