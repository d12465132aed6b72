#!/bin/sh
# Passes when veth-a and veth-b are ports of br0 whose peers are eth0 in netns a and b.
for ns in a b; do
  host=veth-$ns
  if ! ip link show "$host" >/dev/null 2>&1; then
    echo "There is no $host. Run: ip link add $host type veth peer name eth0 netns $ns"
    exit 1
  fi
  if ! ip link show "$host" | grep -q 'master br0'; then
    echo "$host is not plugged into br0. Run: ip link set $host master br0 up"
    exit 1
  fi
  # The host end's peer index must be an eth0 inside the namespace.
  peer=$(ip link show "$host" | sed -n 's/^[0-9]*: [^@]*@if\([0-9]*\):.*/\1/p')
  if [ -z "$peer" ] || ! nsenter --net="/run/netns/$ns" ip -o link show 2>/dev/null | grep -q "^$peer: eth0@"; then
    echo "$host's other end is not eth0 inside namespace $ns. Delete it (ip link del $host) and create it again with 'peer name eth0 netns $ns'."
    exit 1
  fi
done
echo "veth-a and veth-b are ports of br0; their other ends are eth0 in a and in b."
exit 0
