#!/bin/sh
# Passes when the cgroup mem has a 100 MB memory limit and at least one OOM kill.
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
  dir=/sys/fs/cgroup/mem limit=memory.max events=memory.events
else
  dir=/sys/fs/cgroup/memory/mem limit=memory.limit_in_bytes events=memory.oom_control
fi
if [ ! -d "$dir" ]; then
  echo "There is no cgroup $dir yet: make it and set its limits (the mkdir step for cgroup v$v)."
  exit 1
fi
if [ "$(cat "$dir/$limit")" != 104857600 ]; then
  echo "$dir/$limit is $(cat "$dir/$limit"), not 100M (104857600). Run: echo 100M > $dir/$limit"
  exit 1
fi
kills=$(awk '$1 == "oom_kill" {print $2}' "$dir/$events")
if [ "${kills:-0}" -gt 0 ]; then
  echo "The kernel OOM-killed $kills process(es) in $dir (its $events says oom_kill $kills)."
  exit 0
fi
echo "$dir has its 100 MB limit, but nothing in it was OOM-killed yet: run the stress-ng step for cgroup v$v."
exit 1
