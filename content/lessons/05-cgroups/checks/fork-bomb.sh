#!/bin/sh
# Passes when the cgroup forks (pids.max 20) refused forks and is empty again.
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
if [ $v = 2 ]; then dir=/sys/fs/cgroup/forks; else dir=/sys/fs/cgroup/pids/forks; fi
if [ "$(cat $dir/pids.max 2>/dev/null)" != 20 ]; then
  echo "There is no cgroup $dir with pids.max 20: make it (the mkdir step for cgroup v$v)."
  exit 1
fi
refused=$(awk '$1 == "max" {print $2}' $dir/pids.events)
if [ "${refused:-0}" = 0 ]; then
  echo "$dir has never reached its limit: light the fork bomb in it."
  exit 1
fi
left=$(cat $dir/pids.current)
if [ "$left" != 0 ]; then
  echo "The bomb hit pids.max $refused times and is still running ($left processes): stop it."
  exit 1
fi
echo "The fork bomb hit pids.max (20) $refused times and has been stopped: $dir is empty."
exit 0
