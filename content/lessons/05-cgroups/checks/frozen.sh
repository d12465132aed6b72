#!/bin/sh
# Passes when the cgroup ice holds a process and is frozen.
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
  echo "There is no process in $dir: make the cgroup and start the counting loop in it."
  exit 1
fi
if [ $v = 2 ]; then
  grep -qx 'frozen 1' $dir/cgroup.events && state=FROZEN || state=THAWED
else
  state=$(cat $dir/freezer.state)
fi
if [ "$state" = FROZEN ]; then
  echo "$dir is frozen with $(wc -l < $dir/cgroup.procs) process(es) in it."
  exit 0
fi
echo "$dir has processes but is not frozen ($state): freeze it."
exit 1
