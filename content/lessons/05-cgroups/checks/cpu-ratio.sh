#!/bin/sh
# Passes when hi (weight 1024) and lo (weight 512) each used CPU time, hi about twice as much.
# A cgroup v2 host lists one line, "0::<path>"; a v1 or hybrid host lists one per v1 tree.
if [ "$(wc -l < /proc/self/cgroup)" = 1 ]; then
  v=2
  [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] && mounted=yes
else
  v=1
  findmnt -n -t cgroup /sys/fs/cgroup/memory >/dev/null 2>&1 && mounted=yes
fi
if [ "$mounted" != yes ]; then
  echo "The cgroup filesystem is not mounted on /sys/fs/cgroup: run the mount step for cgroup v$v first."
  exit 1
fi
if [ $v = 2 ]; then
  w=/sys/fs/cgroup weight=cpu.weight
  hi=$(awk '$1 == "usage_usec" {print $2}' /sys/fs/cgroup/hi/cpu.stat 2>/dev/null)
  lo=$(awk '$1 == "usage_usec" {print $2}' /sys/fs/cgroup/lo/cpu.stat 2>/dev/null)
else
  w=/sys/fs/cgroup/cpu weight=cpu.shares
  hi=$(cat /sys/fs/cgroup/cpuacct/hi/cpuacct.usage 2>/dev/null)
  lo=$(cat /sys/fs/cgroup/cpuacct/lo/cpuacct.usage 2>/dev/null)
fi
if [ "$(cat $w/hi/$weight 2>/dev/null)" != 1024 ] || [ "$(cat $w/lo/$weight 2>/dev/null)" != 512 ]; then
  echo "Make the cgroups hi and lo with $weight 1024 and 512 (the mkdir step for cgroup v$v)."
  exit 1
fi
if [ "${hi:-0}" = 0 ] || [ "${lo:-0}" = 0 ]; then
  echo "hi and lo have their weights but have not used any CPU time yet: run the two pinned CPU hogs."
  exit 1
fi
# awk for the division: the shell has no fractions.
if awk -v hi="$hi" -v lo="$lo" 'BEGIN { r = hi / lo; printf "hi used %.2f times the CPU time of lo.\n", r; exit !(r > 1.5 && r < 2.7) }'; then
  exit 0
fi
echo "That is not about 2:1. Did both hogs run at the same time, pinned to one CPU (taskset -c 0)?"
echo "Remove the two groups (rmdir) and do the section again."
exit 1
