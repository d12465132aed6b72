#!/bin/sh
# Passes while a process with its own user and UTS namespaces has the hostname "owned".
for dir in /proc/[0-9]*; do
  [ "$(readlink "$dir/ns/user" 2>/dev/null)" = "$(readlink /proc/self/ns/user)" ] && continue
  [ "$(readlink "$dir/ns/uts" 2>/dev/null)" = "$(readlink /proc/self/ns/uts)" ] && continue
  pid=${dir#/proc/}
  if [ "$(nsenter --target "$pid" --uts hostname 2>/dev/null)" = owned ]; then
    echo "Process $pid ($(cat "$dir/comm")) renamed its own UTS namespace to owned, as root of its own user namespace."
    exit 0
  fi
done
echo "No process with a user and a UTS namespace of its own is called owned."
echo "Run: unshare --user --map-root-user --uts sh -c 'hostname owned; exec sleep 900' &"
exit 1
