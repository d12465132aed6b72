#!/bin/sh
# Passes when /root/container-pid names a live process in a PID namespace other than the sandbox's.
pid=$(head -n 1 /root/container-pid 2>/dev/null)
case "$pid" in
  '' | *[!0-9]*)
    echo "/root/container-pid should hold one PID. Run: pgrep -nx sleep > /root/container-pid"
    exit 1 ;;
esac
if [ ! -d "/proc/$pid" ]; then
  echo "No process $pid is running (did the container stop?). Start it again and save its PID."
  exit 1
fi
if [ "$(readlink /proc/$pid/ns/pid)" = "$(readlink /proc/self/ns/pid)" ]; then
  echo "Process $pid ($(cat /proc/$pid/comm)) is in your own PID namespace, not in a container's."
  echo "Save the container's sleep: pgrep -nx sleep > /root/container-pid"
  exit 1
fi
echo "Process $pid ($(cat /proc/$pid/comm)) is a container's: $(grep NSpid /proc/$pid/status)"
exit 0
