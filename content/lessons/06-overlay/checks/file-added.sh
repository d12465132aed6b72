#!/bin/sh
# Passes when app/new.txt was written through the overlay: it is in upper/, not in lower/.
if ! findmnt -n -t overlay /overlay/merged >/dev/null; then
  echo "/overlay/merged is not an overlay mount any more: mount it again first (see the step above)."
  exit 1
fi
if [ -f /overlay/upper/app/new.txt ] && [ ! -e /overlay/lower/app/new.txt ] && [ -f /overlay/merged/app/new.txt ]; then
  echo "app/new.txt is in the upper layer only, and the merged view shows it."
  exit 0
fi
echo "There is no app/new.txt in /overlay/upper."
echo "Write it through the merged view: echo 'written by the container' > /overlay/merged/app/new.txt"
exit 1
