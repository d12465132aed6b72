#!/bin/sh
# Passes when /mnt/ro is a read-only mount of /srv/data.
options=$(findmnt -n -o OPTIONS --mountpoint /mnt/ro)
if [ -z "$options" ] || [ "$(stat -c %d:%i /mnt/ro)" != "$(stat -c %d:%i /srv/data 2>/dev/null)" ]; then
  echo "/mnt/ro is not a bind mount of /srv/data. Run: mkdir -p /mnt/ro && mount --bind /srv/data /mnt/ro"
  exit 1
fi
case ",$options," in
  *,ro,*) echo "/mnt/ro shows /srv/data read-only ($options)."; exit 0 ;;
esac
echo "/mnt/ro shows /srv/data, but writable ($options). Run: mount -o remount,bind,ro /mnt/ro"
exit 1
