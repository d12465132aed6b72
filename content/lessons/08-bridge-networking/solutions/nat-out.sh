#!/bin/sh
# Changes the network of the namespace it runs in: only ever inside a course sandbox, whose root
# is not the machine's root (uid 0 inside maps to another uid outside).
if awk '$1 == 0 && $2 == 0 { found = 1 } END { exit !found }' /proc/self/uid_map; then
  echo "refusing to run: root here is the machine's root, so this is not a course sandbox" >&2
  exit 1
fi
set -e
ip netns add world
ip link add uplink type veth peer name eth0 netns world
ip addr add 203.0.113.1/24 dev uplink
ip link set uplink up
nsenter --net=/run/netns/world sh -c 'ip addr add 203.0.113.2/24 dev eth0 && ip link set eth0 up'
sysctl -q -w net.ipv4.ip_forward=1
nft add table ip lab
nft add chain ip lab postrouting '{ type nat hook postrouting priority srcnat; }'
nft add rule ip lab postrouting ip saddr 10.0.0.0/24 oifname uplink masquerade
