#!/bin/sh
# Passes when /root/bundle/rootfs is a root filesystem with a shell.
if [ -x /root/bundle/rootfs/bin/sh ]; then
  echo "/root/bundle/rootfs is a root filesystem: $(ls /root/bundle/rootfs | tr '\n' ' ')"
  exit 0
fi
echo "/root/bundle/rootfs has no /bin/sh."
echo "Run: mkdir -p /root/bundle/rootfs && cp -a /opt/byhand/images/busybox/rootfs/. /root/bundle/rootfs/"
exit 1
