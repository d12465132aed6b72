#!/bin/sh
# Passes when a and b have their addresses and default routes, and a can ping b.
for pair in a:10.0.0.2 b:10.0.0.3; do
  ns=${pair%%:*}
  addr=${pair#*:}
  if ! nsenter --net="/run/netns/$ns" ip -br addr show eth0 2>/dev/null | grep -q " $addr/24"; then
    echo "eth0 in $ns has no address $addr/24. Run the step that gives $ns its address."
    exit 1
  fi
  if ! nsenter --net="/run/netns/$ns" ip route show default | grep -q 'via 10\.0\.0\.1'; then
    echo "$ns has no default route via 10.0.0.1. Run: nsenter --net=/run/netns/$ns ip route add default via 10.0.0.1"
    exit 1
  fi
done
if ! nsenter --net=/run/netns/a ping -c 1 -W 2 10.0.0.3 >/dev/null 2>&1; then
  echo "a cannot ping b (10.0.0.3). Are eth0 in a and b, veth-a, veth-b and br0 all up?"
  exit 1
fi
echo "a (10.0.0.2) pings b (10.0.0.3) through br0; both route via 10.0.0.1."
exit 0
