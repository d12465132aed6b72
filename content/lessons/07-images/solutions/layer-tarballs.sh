#!/bin/sh
mkdir -p /root/handmade && cd /root/handmade || exit 1
tar -C /opt/byhand/images/busybox/rootfs --owner=0 --group=0 -cf base.tar .
mkdir -p layer2/etc layer2/bin
echo 'Welcome to an image made by hand' > layer2/etc/motd
touch layer2/bin/.wh.wget
tar -C layer2 --owner=0 --group=0 -cf layer2.tar .
tar -tvf layer2.tar
