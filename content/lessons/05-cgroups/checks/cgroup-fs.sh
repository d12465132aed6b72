#!/bin/sh
# Passes when /sys/fs/cgroup shows the sandbox's cgroup tree (v2, or v1's memory, cpu, pids and
# freezer trees) and the sandbox may make cgroups in it (the agent delegated it).
# A cgroup v2 host lists one line, "0::<path>"; a v1 or hybrid host lists one per v1 tree.
if [ "$(wc -l < /proc/self/cgroup)" = 1 ]; then v=2; else v=1; fi
if [ $v = 2 ]; then
  if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
    echo "This is a cgroup v2 host, and no cgroup2 filesystem is mounted on /sys/fs/cgroup."
    echo "Run: mount -t cgroup2 cgroup2 /sys/fs/cgroup"
    exit 1
  fi
  dirs=/sys/fs/cgroup
else
  dirs=
  for tree in memory cpu cpuacct pids freezer; do
    if ! findmnt -n -t cgroup "/sys/fs/cgroup/$tree" >/dev/null 2>&1 && ! [ -f "/sys/fs/cgroup/$tree/cgroup.procs" ]; then
      echo "This is a cgroup v1 host, and the $tree tree is not mounted on /sys/fs/cgroup/$tree."
      echo "Run the v1 mount step (the one with the for loop)."
      exit 1
    fi
    dirs="$dirs /sys/fs/cgroup/$tree"
  done
fi
for dir in $dirs; do
  if [ ! -w "$dir" ] || [ ! -w "$dir/cgroup.procs" ]; then
    echo "cgroup v$v is mounted, but $dir is not writable: this sandbox's cgroup is not delegated to it,"
    echo "so you cannot make cgroups here. Tell your instructor (the classroom server must delegate each sandbox's cgroup)."
    exit 1
  fi
done
echo "cgroup v$v is mounted on /sys/fs/cgroup, and your sandbox's cgroup is yours to manage."
exit 0
