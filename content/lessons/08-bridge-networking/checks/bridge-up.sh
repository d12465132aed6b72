#!/bin/sh
# Passes when br0 is an up bridge with 10.0.0.1/24.
if ! ip -d link show br0 >/dev/null 2>&1; then
  echo "There is no interface br0. Run: ip link add br0 type bridge"
  exit 1
fi
if ! ip -d link show br0 | grep -q ' bridge '; then
  echo "br0 exists but is not a bridge. Delete it (ip link del br0) and add it with 'type bridge'."
  exit 1
fi
if ! ip -br addr show br0 | grep -q ' 10\.0\.0\.1/24'; then
  echo "br0 has no address 10.0.0.1/24. Run: ip addr add 10.0.0.1/24 dev br0"
  exit 1
fi
if ! ip link show br0 | grep -q '<[^>]*\bUP\b'; then
  echo "br0 is down. Run: ip link set br0 up"
  exit 1
fi
echo "br0 is a bridge, up, with 10.0.0.1/24."
exit 0
