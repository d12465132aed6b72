#!/bin/sh
# Passes when a cgroup c1 limits memory to 64 MB and processes to 20 (v2, or v1's memory and pids trees).
mb64=67108864
if [ "$(wc -l < /proc/self/cgroup)" = 1 ]; then
  mem=$(cat /sys/fs/cgroup/c1/memory.max 2>/dev/null); pids=$(cat /sys/fs/cgroup/c1/pids.max 2>/dev/null); v=2
else
  mem=$(cat /sys/fs/cgroup/memory/c1/memory.limit_in_bytes 2>/dev/null); pids=$(cat /sys/fs/cgroup/pids/c1/pids.max 2>/dev/null); v=1
fi
if [ -z "$mem" ] || [ -z "$pids" ]; then
  echo "This is a cgroup v$v host and there is no cgroup c1 with memory and pids files: run the cgroup v$v step of part 2."
  exit 1
fi
if [ "$mem" != "$mb64" ] || [ "$pids" != 20 ]; then
  echo "The cgroup c1 exists, but its memory limit is $mem (want $mb64, 64 MB) and its pids.max is $pids (want 20)."
  exit 1
fi
echo "The cgroup c1 (cgroup v$v) allows 64 MB of memory and 20 processes."
