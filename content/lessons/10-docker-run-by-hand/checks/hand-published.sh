#!/bin/sh
# Passes when 127.0.0.1:8080 reaches the hand-made container through a DNAT rule.
if ! nft list ruleset 2>/dev/null | grep -q 'dport 8080 dnat to 10.20.0.2:80'; then
  echo "No nft rule sends port 8080 to 10.20.0.2:80. Run the nft step at the end of part 4."
  exit 1
fi
page=$(curl -s -m 3 http://127.0.0.1:8080/)
if [ "$page" != 'hello from a container made by hand' ]; then
  echo "The DNAT rule is there, but http://127.0.0.1:8080/ answered '$page'."
  echo "Check route_localnet on veth-c1 and the masquerade rule (nft list table ip hand)."
  exit 1
fi
echo "Port 8080 of your sandbox leads to the container: $page"
