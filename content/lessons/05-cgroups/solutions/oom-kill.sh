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
  dir=/sys/fs/cgroup/mem
  mkdir $dir && echo 100M > $dir/memory.max && echo 50M > $dir/memory.swap.max
else
  dir=/sys/fs/cgroup/memory/mem
  mkdir $dir && echo 100M > $dir/memory.limit_in_bytes
  # Only where the kernel accounts swap.
  [ ! -e $dir/memory.memsw.limit_in_bytes ] || echo 150M > $dir/memory.memsw.limit_in_bytes
fi
sh -c "echo \$\$ > $dir/cgroup.procs && exec stress-ng --vm 1 --vm-bytes 200M --vm-keep --oomable --timeout 10s" >/dev/null 2>&1
exit 0
