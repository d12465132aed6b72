#!/bin/sh
# Only ever inside a course sandbox, whose root is not the machine's root: elsewhere this would
# change the machine's own cgroups.
if awk '$1 == 0 && $2 == 0 { found = 1 } END { exit !found }' /proc/self/uid_map; then
  echo "refusing to run: root here is the machine's root, so this is not a course sandbox" >&2
  exit 1
fi
# A cgroup v2 host lists one line, "0::<path>"; a v1 or hybrid host lists one per v1 tree.
if [ "$(wc -l < /proc/self/cgroup)" = 1 ]; then v=2; else v=1; fi
if [ $v = 2 ]; then
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
  cd /sys/fs/cgroup
  mkdir -p init
  for p in $(cat cgroup.procs); do echo "$p" > init/cgroup.procs; done
  echo '+memory +cpu +pids' > cgroup.subtree_control
  exit 0
fi
mount -t tmpfs cgroups /sys/fs/cgroup
cd /sys/fs/cgroup
for h in $(cut -d: -f2 /proc/self/cgroup | grep -xE 'memory|cpu|cpuacct|cpu,cpuacct|pids|freezer'); do
  mkdir "$h" && mount -t cgroup -o "$h" cgroup "$h"
done
if [ -d cpu,cpuacct ]; then ln -s cpu,cpuacct cpu && ln -s cpu,cpuacct cpuacct; fi
