#!/bin/sh
# Passes when app/config.txt was copied up and changed, leaving the lower copy as it was.
upper=/overlay/upper/app/config.txt
lower=/overlay/lower/app/config.txt
if ! findmnt -n -t overlay /overlay/merged >/dev/null; then
  echo "/overlay/merged is not an overlay mount any more: mount it again first."
  exit 1
fi
if [ ! -f "$upper" ]; then
  echo "The upper layer has no app/config.txt: it has not been copied up yet."
  echo "Change it through the merged view: echo 'changed by the container' >> /overlay/merged/app/config.txt"
  exit 1
fi
if cmp -s "$upper" "$lower"; then
  echo "app/config.txt is in the upper layer but has the same content as the lower one: append a line to it."
  exit 1
fi
if [ "$(cat "$lower")" != 'from the image' ]; then
  echo "The lower layer's app/config.txt changed: write through /overlay/merged, never into lower/ directly."
  exit 1
fi
echo "app/config.txt was copied up: the upper copy has $(wc -l < "$upper") lines, the lower one still says 'from the image'."
exit 0
