#!/bin/sh
# Passes when no container "demo" exists any more while its bundle is intact.
if byhand oci state demo >/dev/null 2>&1; then
  echo "demo still exists ($(byhand oci state demo | jq -r .status)). Run: byhand oci kill demo KILL, then byhand oci delete demo"
  exit 1
fi
if [ ! -f /root/bundle/config.json ] || [ ! -d /root/bundle/rootfs ]; then
  echo "There is no container demo, but no bundle in /root/bundle either: build the bundle and create demo first."
  exit 1
fi
echo "demo is deleted; the bundle /root/bundle (config.json and rootfs/) is untouched."
exit 0
