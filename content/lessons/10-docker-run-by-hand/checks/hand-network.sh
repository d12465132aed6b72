#!/bin/sh
# Passes when veth-c1 has 10.20.0.1 and the hand-made container answers at 10.20.0.2 with its page.
if ! ip -4 -br addr show dev veth-c1 2>/dev/null | grep -q '10\.20\.0\.1/24'; then
  echo "There is no veth-c1 with the address 10.20.0.1/24 in your sandbox. Run the ip step of part 4."
  exit 1
fi
page=$(curl -s -m 3 http://10.20.0.2/)
if [ "$page" != 'hello from a container made by hand' ]; then
  echo "veth-c1 is there, but http://10.20.0.2/ answered '$page' instead of the container's page."
  echo "Is eth0 in the container up with 10.20.0.2/24? (nsenter -t \$(pgrep -nx httpd) -n ip -br addr)"
  exit 1
fi
echo "The container answers at 10.20.0.2 through veth-c1: $page"
