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
  mkdir /sys/fs/cgroup/hi /sys/fs/cgroup/lo
  echo 1024 > /sys/fs/cgroup/hi/cpu.weight
  echo 512 > /sys/fs/cgroup/lo/cpu.weight
  join='echo $$ > /sys/fs/cgroup/$1/cgroup.procs'
else
  cd /sys/fs/cgroup
  mkdir -p cpu/hi cpu/lo cpuacct/hi cpuacct/lo
  echo 1024 > cpu/hi/cpu.shares
  echo 512 > cpu/lo/cpu.shares
  join='echo $$ > /sys/fs/cgroup/cpu/$1/cgroup.procs && echo $$ > /sys/fs/cgroup/cpuacct/$1/cgroup.procs'
fi
for g in hi lo; do
  sh -c "$join && exec taskset -c 0 stress-ng -q --cpu 1 --timeout 6s" sh $g </dev/null >/dev/null 2>&1 &
done
wait
