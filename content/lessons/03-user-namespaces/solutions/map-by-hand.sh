#!/bin/sh
# Maps root of the waiting, unmapped sleep's user namespace to user and group 1000.
own=$(readlink /proc/self/ns/user)
for pid in $(pgrep -x sleep); do
  [ "$(readlink /proc/$pid/ns/user)" = "$own" ] && continue
  [ -z "$(cat /proc/$pid/uid_map)" ] || continue
  echo '0 1000 1' > /proc/$pid/uid_map
  echo deny > /proc/$pid/setgroups
  echo '0 1000 1' > /proc/$pid/gid_map
  exit 0
done
echo "no unmapped sleep to map" >&2
exit 1
