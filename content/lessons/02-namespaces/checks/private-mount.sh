#!/bin/sh
# Passes while a process in another mount namespace has a tmpfs on /mnt and the sandbox has none.
if grep -q '^[^ ]* [^ ]* [^ ]* [^ ]* /mnt ' /proc/self/mountinfo; then
  echo "Your own /mnt has something mounted on it: the mount should live only in the other namespace."
  echo "Unmount it with: umount /mnt"
  exit 1
fi
own=$(readlink /proc/self/ns/mnt)
for dir in /proc/[0-9]*; do
  [ "$(readlink "$dir/ns/mnt" 2>/dev/null)" = "$own" ] && continue
  # mountinfo: id, parent, dev, root, mount point, options, optional fields, "-", fstype, ...
  if awk '$5 == "/mnt" && $0 ~ / - tmpfs /' "$dir/mountinfo" 2>/dev/null | grep -q .; then
    echo "Process ${dir#/proc/} ($(cat "$dir/comm")) sees a tmpfs on /mnt; your shell does not."
    exit 0
  fi
done
echo "No process in another mount namespace has a tmpfs on /mnt."
echo "Run the step: unshare --mount sh -c 'mount -t tmpfs scratch /mnt && echo kept > /mnt/only-here && exec sleep 700' &"
exit 1
