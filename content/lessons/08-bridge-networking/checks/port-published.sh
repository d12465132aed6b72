#!/bin/sh
# Passes when world gets b's web page from the host's port 8080 (a DNAT to 10.0.0.3:80).
if [ ! -e /run/netns/world ]; then
  echo "There is no network namespace world: do the NAT section first."
  exit 1
fi
page=$(nsenter --net=/run/netns/world curl -s -m 3 http://203.0.113.1:8080/ 2>/dev/null)
if [ -n "$page" ]; then
  echo "world asked 203.0.113.1:8080 and got b's page: $page"
  exit 0
fi
if ! nsenter --net=/run/netns/b sh -c 'curl -s -m 2 -o /dev/null http://127.0.0.1/' 2>/dev/null; then
  echo "No web server answers on port 80 in b. Start it with the httpd step."
else
  echo "b serves port 80, but 203.0.113.1:8080 does not lead there. Add the prerouting chain and the dnat rule."
fi
exit 1
