#!/bin/sh
mkdir -p /root/bundle/rootfs && cp -a /opt/byhand/images/busybox/rootfs/. /root/bundle/rootfs/
