#!/bin/sh
# Passes while a process in a nested user namespace is root there and a non-zero uid out here.
own=$(readlink /proc/self/ns/user)
for link in /proc/[0-9]*/ns/user; do
  [ "$(readlink "$link" 2>/dev/null)" = "$own" ] && continue
  dir=${link%/ns/user}
  # uid_map as seen from here: "0 <uid out here> <count>" when root inside is remapped.
  set -- $(head -n 1 "$dir/uid_map" 2>/dev/null)
  [ "$1" = 0 ] && [ -n "$2" ] && [ "$2" != 0 ] || continue
  uid=$(awk '/^Uid:/ {print $3}' "$dir/status" 2>/dev/null)
  [ "$uid" = "$2" ] || continue
  echo "Process ${dir#/proc/} ($(cat "$dir/comm")) is root in its user namespace and uid $uid out here."
  exit 0
done
echo "No process is root in a user namespace of its own while being another uid out here."
echo "Run: setpriv --reuid=10000 --regid=10000 --clear-groups unshare --user --map-root-user sleep 1004 &"
exit 1
