#!/bin/sh
# Changes the network of the namespace it runs in: only ever inside a course sandbox, whose root
# is not the machine's root (uid 0 inside maps to another uid outside).
if awk '$1 == 0 && $2 == 0 { found = 1 } END { exit !found }' /proc/self/uid_map; then
  echo "refusing to run: root here is the machine's root, so this is not a course sandbox" >&2
  exit 1
fi
nsenter --net=/run/netns/a sh -c 'ip addr add 10.0.0.2/24 dev eth0 && ip link set eth0 up && ip link set lo up && ip route add default via 10.0.0.1'
nsenter --net=/run/netns/b sh -c 'ip addr add 10.0.0.3/24 dev eth0 && ip link set eth0 up && ip link set lo up && ip route add default via 10.0.0.1'
# The bridge needs a moment to move its ports to forwarding.
sleep 1
