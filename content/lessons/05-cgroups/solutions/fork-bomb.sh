#!/bin/sh
# Only ever inside a course sandbox, whose root is not the machine's root: elsewhere this would
# change the machine's own cgroups.
if awk '$1 == 0 && $2 == 0 { found = 1 } END { exit !found }' /proc/self/uid_map; then
  echo "refusing to run: root here is the machine's root, so this is not a course sandbox" >&2
  exit 1
fi
# A cgroup v2 host lists one line, "0::<path>"; a v1 or hybrid host lists one per v1 tree.
if [ "$(wc -l < /proc/self/cgroup)" = 1 ]; then v=2; else v=1; fi
if [ $v = 2 ]; then dir=/sys/fs/cgroup/forks; else dir=/sys/fs/cgroup/pids/forks; fi
mkdir $dir && echo 20 > $dir/pids.max
bash -c "echo \$\$ > $dir/cgroup.procs; bomb() { bomb | bomb & }; bomb" </dev/null >/dev/null 2>&1
sleep 2
if [ $v = 2 ]; then
  echo 1 > $dir/cgroup.kill
else
  while [ "$(cat $dir/pids.current)" -gt 0 ]; do kill -9 $(cat $dir/cgroup.procs) 2>/dev/null; done
fi
# The kernel empties the group a moment after the kill.
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(cat $dir/pids.current)" = 0 ] && break; sleep 0.2; done
