#!/bin/sh
# Passes while a process running as uid 1000 has no_new_privs set.
for status in /proc/[0-9]*/status; do
  grep -q '^NoNewPrivs:[[:space:]]*1$' "$status" 2>/dev/null || continue
  grep -q '^Uid:[[:space:]]*1000[[:space:]]' "$status" 2>/dev/null || continue
  pid=${status#/proc/}
  pid=${pid%/status}
  echo "Process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) runs as uid 1000 with NoNewPrivs: 1."
  exit 0
done
echo "No process runs as uid 1000 with no_new_privs set."
echo "Run: setpriv --no-new-privs --reuid=1000 --regid=1000 --clear-groups sleep 1003 &"
exit 1
