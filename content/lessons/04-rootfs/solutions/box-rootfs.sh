#!/bin/sh
mkdir -p /root/box/bin /root/box/proc /root/box/dev /root/box/root /root/box/tmp && cp /bin/busybox /root/box/bin/
chroot /root/box /bin/busybox --install -s /bin
