#!/bin/sh
# Passes when /mnt/view is a mount point showing the very directory /srv/data (same device and inode).
if ! findmnt --mountpoint /mnt/view >/dev/null; then
  echo "Nothing is mounted on /mnt/view. Run: mount --bind /srv/data /mnt/view"
  exit 1
fi
if [ "$(stat -c %d:%i /mnt/view)" != "$(stat -c %d:%i /srv/data 2>/dev/null)" ]; then
  echo "/mnt/view is a mount, but not of /srv/data. Unmount it (umount /mnt/view) and run: mount --bind /srv/data /mnt/view"
  exit 1
fi
echo "/mnt/view and /srv/data are one directory (inode $(stat -c %i /srv/data)), mounted twice."
exit 0
