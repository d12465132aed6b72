#!/bin/sh
set -e
mkdir -p /tmp/c1/upper /tmp/c1/work /tmp/c1/rootfs
mount -t overlay overlay -o lowerdir=/opt/byhand/images/busybox/rootfs,upperdir=/tmp/c1/upper,workdir=/tmp/c1/work /tmp/c1/rootfs
mkdir /tmp/c1/rootfs/www
echo 'hello from a container made by hand' > /tmp/c1/rootfs/www/index.html
