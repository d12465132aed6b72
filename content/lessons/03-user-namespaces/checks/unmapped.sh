#!/bin/sh
# Passes while a sleep waits in a user namespace of its own with nothing written to its uid_map.
own=$(readlink /proc/self/ns/user)
for pid in $(pgrep -x sleep); do
  [ "$(readlink /proc/$pid/ns/user 2>/dev/null)" = "$own" ] && continue
  if [ -z "$(cat /proc/$pid/uid_map 2>/dev/null)" ]; then
    echo "sleep (PID $pid) waits in a new user namespace with an empty uid_map: no ID is mapped yet."
    exit 0
  fi
done
echo "No sleep is waiting in a user namespace without a map."
echo "Run: unshare --user sleep 900 &"
exit 1
