#!/bin/sh
# Passes when the counting loop in ice runs: /tmp/ticks goes up within a second.
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
if [ $v = 2 ]; then dir=/sys/fs/cgroup/ice; else dir=/sys/fs/cgroup/freezer/ice; fi
if [ -z "$(cat $dir/cgroup.procs 2>/dev/null)" ]; then
  echo "There is no process in $dir: do the freeze section first."
  exit 1
fi
before=$(cat /tmp/ticks 2>/dev/null)
sleep 1
after=$(cat /tmp/ticks 2>/dev/null)
if [ -n "$after" ] && [ "$after" != "$before" ]; then
  echo "The loop in $dir counts again: $before, then $after a second later."
  exit 0
fi
echo "The count in /tmp/ticks stands still at ${after:-nothing}: $dir is still frozen. Thaw it."
exit 1
