#!/bin/sh
# Passes when a proc filesystem is mounted on /root/box/proc.
type=$(findmnt -n -o FSTYPE --mountpoint /root/box/proc)
if [ "$type" = proc ]; then
  echo "/root/box/proc is a proc mount: ps in the box sees $(ls -d /root/box/proc/[0-9]* | wc -l) processes."
  exit 0
fi
echo "Nothing of type proc is mounted on /root/box/proc. Run: mount -t proc proc /root/box/proc"
exit 1
