#!/bin/sh
# Passes while a process whose hostname is "box" is in UTS, IPC, mount and PID namespaces of its own.
for dir in /proc/[0-9]*; do
  apart=yes
  for kind in uts ipc mnt pid; do
    [ "$(readlink "$dir/ns/$kind" 2>/dev/null)" = "$(readlink /proc/self/ns/$kind)" ] && apart=no
  done
  [ "$apart" = yes ] || continue
  pid=${dir#/proc/}
  if [ "$(nsenter --target "$pid" --uts hostname 2>/dev/null)" = box ]; then
    echo "Process $pid ($(cat "$dir/comm")) is called box, in UTS, IPC, mount and PID namespaces of its own."
    exit 0
  fi
done
echo "No process named box by its hostname is in new UTS, IPC, mount and PID namespaces."
echo "Start the shell with: unshare --uts --ipc --mount --pid --fork --mount-proc bash"
echo "then run hostname box inside it, and check while you are still in there."
exit 1
