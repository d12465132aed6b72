#!/bin/sh
setsid -f unshare --uts --pid --mount --net --ipc --fork sh -c 'for g in /sys/fs/cgroup/c1 /sys/fs/cgroup/memory/c1 /sys/fs/cgroup/pids/c1; do [ -d $g ] && echo $$ > $g/cgroup.procs; done; hostname c1 && mount --make-rprivate / && cd /tmp/c1/rootfs && mount -t proc proc proc && pivot_root . . && umount -l . && exec httpd -f -p 80 -h /www' </dev/null >/dev/null 2>&1
for _ in $(seq 50); do
  pgrep -x httpd >/dev/null && exit 0
  sleep 0.1
done
echo "the hand-made container's httpd did not start"
exit 1
