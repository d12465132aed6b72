#!/bin/sh
# Passes when /root/escaped holds /etc/debian_version, which exists only outside the box.
if [ -s /root/escaped ] && grep -qxF "$(cat /etc/debian_version)" /root/escaped; then
  echo "/root/escaped says $(cat /root/escaped): a file the box does not have, read from inside the chroot."
  exit 0
fi
echo "/root/escaped does not hold the real root's /etc/debian_version."
echo "Run the escape step (it needs /proc mounted in the box):"
echo "chroot /root/box /bin/sh -c 'ls /etc; chroot /proc/\$PPID/root cat /etc/debian_version' | tee /root/escaped"
exit 1
