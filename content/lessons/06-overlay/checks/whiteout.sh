#!/bin/sh
# Passes when upper/app/old.txt is a whiteout (character device 0/0) over a lower file still there.
w=/overlay/upper/app/old.txt
if [ -c "$w" ] && [ "$(stat -c '%t:%T' "$w")" = 0:0 ]; then
  if [ -f /overlay/lower/app/old.txt ] && [ ! -e /overlay/merged/app/old.txt ]; then
    echo "upper/app/old.txt is a 0/0 character device: a whiteout hiding the lower layer's old.txt."
    exit 0
  fi
  echo "upper/app/old.txt is a whiteout, but the lower layer's old.txt is gone or the overlay is not mounted."
  exit 1
fi
echo "There is no whiteout for app/old.txt in /overlay/upper."
echo "Delete the file through the merged view: rm /overlay/merged/app/old.txt"
exit 1
