#!/bin/sh
# Only ever inside a course sandbox, whose root is not the machine's root: elsewhere this would
# change the machine's own cgroups.
if awk '$1 == 0 && $2 == 0 { found = 1 } END { exit !found }' /proc/self/uid_map; then
  echo "refusing to run: root here is the machine's root, so this is not a course sandbox" >&2
  exit 1
fi
# A cgroup v2 host lists one line, "0::<path>"; a v1 or hybrid host lists one per v1 tree.
if [ "$(wc -l < /proc/self/cgroup)" = 1 ]; then v=2; else v=1; fi
if [ $v = 2 ]; then echo 0 > /sys/fs/cgroup/ice/cgroup.freeze; else echo THAWED > /sys/fs/cgroup/freezer/ice/freezer.state; fi
sleep 0.5
