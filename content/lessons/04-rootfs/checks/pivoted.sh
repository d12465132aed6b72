#!/bin/sh
# Passes while a process lives in a mount namespace whose root mount is /root/box, old root gone.
own=$(readlink /proc/self/ns/mnt)
for dir in /proc/[0-9]*; do
  [ "$(readlink "$dir/ns/mnt" 2>/dev/null)" = "$own" ] && continue
  # mountinfo fields: id, parent, device, root (inside its filesystem), mount point, ...
  awk '$5 == "/" && $4 == "/root/box"' "$dir/mountinfo" 2>/dev/null | grep -q . || continue
  pid=${dir#/proc/}
  if awk '$5 ~ /^\/oldroot/' "$dir/mountinfo" | grep -q .; then
    echo "Process $pid has /root/box as its root, but the old root is still mounted at /oldroot."
    echo "Unmount it: umount -l /oldroot (after mounting /proc)"
    exit 1
  fi
  echo "Process $pid ($(cat "$dir/comm")) has /root/box as its root mount, and the old root is unmounted."
  exit 0
done
echo "No process has pivoted to /root/box."
echo "In a shell started with unshare --mount --pid --fork bash, bind-mount /root/box onto itself, cd there and run pivot_root . oldroot"
exit 1
