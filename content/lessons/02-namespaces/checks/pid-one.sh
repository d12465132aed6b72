#!/bin/sh
# Passes while a sleep is PID 1 of a PID namespace nested below the sandbox's (NSpid ends in 1).
for status in /proc/[0-9]*/status; do
  grep -q '^Name:[[:space:]]*sleep$' "$status" 2>/dev/null || continue
  nspid=$(grep '^NSpid:' "$status" 2>/dev/null) || continue
  # "NSpid:" then the PID at each level, outermost first: nested means three words or more.
  set -- $nspid
  if [ $# -ge 3 ] && [ "${nspid##*[[:space:]]}" = 1 ]; then
    echo "sleep is PID $2 out here and PID 1 in its own namespace."
    exit 0
  fi
done
echo "No sleep is running as PID 1 of a nested PID namespace."
echo "Run: unshare --pid --fork --mount-proc sleep 1000 &  (--fork makes sleep the namespace's first process)."
exit 1
