#!/bin/sh
# Passes when /root/top-layer holds greeted:1's committed layer unpacked by plain tar: the new
# file, and the whiteout and opaque markers as the empty files the tarball carries.
dir=/root/top-layer
if [ ! -f /root/greeted-oci/index.json ]; then
  echo "/root/greeted-oci has no index.json: unpack the saved archive there first (tar -xf /root/greeted.tar -C /root/greeted-oci)."
  exit 1
fi
missing=
[ -f "$dir/greeting.txt" ] || missing="$missing greeting.txt"
[ -f "$dir/bin/.wh.vi" ] || missing="$missing bin/.wh.vi"
[ -f "$dir/etc/.wh..wh..opq" ] || missing="$missing etc/.wh..wh..opq"
if [ -n "$missing" ]; then
  echo "$dir lacks:$missing."
  echo "Unpack the manifest's last layer blob there with tar -xf (the step above)."
  exit 1
fi
echo "The committed layer holds greeting.txt, the whiteout bin/.wh.vi and the opaque marker etc/.wh..wh..opq."
exit 0
