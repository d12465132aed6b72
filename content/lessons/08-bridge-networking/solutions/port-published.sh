#!/bin/sh
# Changes the network of the namespace it runs in: only ever inside a course sandbox, whose root
# is not the machine's root (uid 0 inside maps to another uid outside).
if awk '$1 == 0 && $2 == 0 { found = 1 } END { exit !found }' /proc/self/uid_map; then
  echo "refusing to run: root here is the machine's root, so this is not a course sandbox" >&2
  exit 1
fi
set -e
mkdir -p /srv/b
echo 'hello from b' > /srv/b/index.html
setsid -f nsenter --net=/run/netns/b busybox httpd -f -p 80 -h /srv/b </dev/null >/dev/null 2>&1
nft add chain ip lab prerouting '{ type nat hook prerouting priority dstnat; }'
nft add rule ip lab prerouting iifname uplink tcp dport 8080 dnat to 10.0.0.3:80
sleep 0.5
