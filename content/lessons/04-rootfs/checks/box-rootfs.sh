#!/bin/sh
# Passes when /root/box holds busybox and a shell started with chroot runs in it.
if [ ! -x /root/box/bin/busybox ] || [ ! -e /root/box/bin/sh ]; then
  echo "/root/box/bin needs busybox and its links (sh, ls, ps, ...)."
  echo "Run the two steps: make the folders and copy /bin/busybox in, then busybox --install -s /bin inside."
  exit 1
fi
said=$(chroot /root/box /bin/sh -c 'echo "a shell with $(ls / | wc -l) entries in /"' 2>&1)
if [ $? -ne 0 ]; then
  echo "chroot /root/box /bin/sh fails: $said"
  exit 1
fi
echo "chroot /root/box /bin/sh runs $(readlink /root/box/bin/sh): $said."
exit 0
