#!/bin/sh
# Passes when a reaches world (203.0.113.2), which has no route to 10.0.0.0/24: only masquerade makes that work.
if [ ! -e /run/netns/world ]; then
  echo "There is no network namespace world yet: run the step that makes world and the uplink."
  exit 1
fi
if nsenter --net=/run/netns/world ip route | grep -q '10\.0\.0\.'; then
  echo "world has a route to 10.0.0.0/24, so this would work without NAT. Remove it; the point is that world knows nothing about your containers."
  exit 1
fi
if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 1 ]; then
  echo "The host does not forward packets. Run: sysctl -w net.ipv4.ip_forward=1"
  exit 1
fi
if ! nft list ruleset 2>/dev/null | grep -q masquerade; then
  echo "There is no masquerade rule: world cannot answer 10.0.0.2. Add the nft postrouting rule."
  exit 1
fi
if ! nsenter --net=/run/netns/a ping -c 1 -W 2 203.0.113.2 >/dev/null 2>&1; then
  echo "a cannot reach world at 203.0.113.2. Is the uplink up on both ends, and does the masquerade rule match oifname uplink?"
  exit 1
fi
echo "a reaches world at 203.0.113.2: the host forwards and masquerades its packets."
exit 0
