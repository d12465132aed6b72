#!/bin/sh
# Passes while a process is PID 1 of its own UTS, PID, mount, net and IPC namespaces, named c1,
# with the c1 overlay as its root and in the cgroup c1: the hand-made container.
for status in /proc/[0-9]*/status; do
  pid=${status#/proc/}; pid=${pid%/status}
  # Field 5 of mountinfo is the mount point: "/" is this process's root.
  awk '$5 == "/" && /upperdir=\/tmp\/c1\/upper/ { found = 1 } END { exit !found }' "/proc/$pid/mountinfo" 2>/dev/null || continue
  [ "$(awk '/^NSpid:/ { print $NF }' "$status" 2>/dev/null)" = 1 ] || continue
  for ns in uts pid mnt net ipc; do
    if [ "$(readlink "/proc/$pid/ns/$ns")" = "$(readlink "/proc/self/ns/$ns")" ]; then
      echo "Process $pid has the c1 overlay as its root, but shares your $ns namespace: add --$ns to unshare (mnt is --mount)."
      exit 1
    fi
  done
  name=$(nsenter -t "$pid" -u hostname 2>/dev/null)
  if [ "$name" != c1 ]; then
    echo "Process $pid is a container, but its hostname is '$name', not c1."
    exit 1
  fi
  if ! grep -qE ':/c1$' "/proc/$pid/cgroup"; then
    echo "Process $pid is a container named c1, but not in the cgroup c1 (its cgroups: $(tr '\n' ' ' < "/proc/$pid/cgroup"))."
    exit 1
  fi
  echo "Process $pid ($(cat "/proc/$pid/comm")) is PID 1 in namespaces of its own, named c1, rooted in the overlay, in the cgroup c1."
  exit 0
done
echo "No process has the overlay on /tmp/c1/upper as its root and is PID 1 of its own PID namespace."
echo "Run the unshare step of part 3 (after parts 1 and 2)."
exit 1
