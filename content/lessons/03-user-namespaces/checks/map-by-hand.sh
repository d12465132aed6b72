#!/bin/sh
# Passes when a process in another user namespace has the maps "0 1000 1" for users and groups.
own=$(readlink /proc/self/ns/user)
for dir in /proc/[0-9]*; do
  [ "$(readlink "$dir/ns/user" 2>/dev/null)" = "$own" ] && continue
  uids=$(echo $(cat "$dir/uid_map" 2>/dev/null))
  gids=$(echo $(cat "$dir/gid_map" 2>/dev/null))
  if [ "$uids" = "0 1000 1" ] && [ "$gids" = "0 1000 1" ]; then
    echo "Process ${dir#/proc/} ($(cat "$dir/comm")): root inside is user 1000 of your sandbox, for users and groups."
    exit 0
  fi
  if [ "$uids" = "0 1000 1" ]; then
    echo "Process ${dir#/proc/} has its uid_map but not its gid_map yet."
    echo "Write: echo deny > /proc/${dir#/proc/}/setgroups; echo '0 1000 1' > /proc/${dir#/proc/}/gid_map"
    exit 1
  fi
done
echo "No process in a new user namespace has the map 0 1000 1."
echo "Start one with 'unshare --user sleep 900 &', then write its uid_map, setgroups and gid_map."
exit 1
