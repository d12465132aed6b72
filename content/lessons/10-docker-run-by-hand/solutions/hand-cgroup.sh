#!/bin/sh
set -e
cd /sys/fs/cgroup
if [ "$(wc -l < /proc/self/cgroup)" = 1 ]; then
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
  cd /sys/fs/cgroup
  mkdir -p init
  for p in $(cat cgroup.procs); do echo "$p" > init/cgroup.procs || true; done
  echo '+memory +pids' > cgroup.subtree_control
  mkdir c1 && echo 64M > c1/memory.max && echo 20 > c1/pids.max
else
  mount -t tmpfs cgroups /sys/fs/cgroup
  cd /sys/fs/cgroup
  mkdir memory pids
  mount -t cgroup -o memory cgroup memory && mount -t cgroup -o pids cgroup pids
  mkdir memory/c1 pids/c1 && echo 64M > memory/c1/memory.limit_in_bytes && echo 20 > pids/c1/pids.max
fi
