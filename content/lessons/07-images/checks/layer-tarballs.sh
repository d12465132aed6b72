#!/bin/sh
# Passes when /root/handmade holds both layer tarballs: busybox's files, and a layer that adds
# etc/motd and deletes bin/wget with a whiteout entry.
dir=/root/handmade
if ! tar -tf "$dir/base.tar" 2>/dev/null | grep -Eqx '(\./)?bin/busybox'; then
  echo "There is no $dir/base.tar with bin/busybox in it."
  echo "Pack busybox's root filesystem with the first tar step of this section."
  exit 1
fi
list=$(tar -tf "$dir/layer2.tar" 2>/dev/null)
missing=
echo "$list" | grep -Eqx '(\./)?etc/motd' || missing="$missing etc/motd"
echo "$list" | grep -Eqx '(\./)?bin/\.wh\.wget' || missing="$missing bin/.wh.wget"
if [ -n "$missing" ]; then
  echo "$dir/layer2.tar is missing or lacks:$missing."
  echo "Make the files in $dir/layer2 (an empty file named .wh.wget in bin), then pack it: tar -C layer2 --owner=0 --group=0 -cf layer2.tar ."
  exit 1
fi
echo "base.tar holds busybox ($(tar -tf "$dir/base.tar" | wc -l) entries); layer2.tar adds etc/motd and whites out bin/wget."
exit 0
