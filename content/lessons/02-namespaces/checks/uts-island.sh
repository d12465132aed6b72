#!/bin/sh
# Passes while some process lives in a UTS namespace of its own whose hostname is "island".
own=$(readlink /proc/self/ns/uts)
for link in /proc/[0-9]*/ns/uts; do
  pid=${link#/proc/}
  pid=${pid%%/*}
  [ "$(readlink "$link" 2>/dev/null)" = "$own" ] && continue
  if [ "$(nsenter --target "$pid" --uts hostname 2>/dev/null)" = island ]; then
    echo "Process $pid ($(cat "/proc/$pid/comm")) is in a UTS namespace called island."
    exit 0
  fi
done
echo "No process is in a UTS namespace with the hostname island."
echo "Run the step that ends with '&' (unshare --uts sh -c 'hostname island; exec sleep 600' &) and leave it running."
exit 1
