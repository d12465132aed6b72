#!/bin/sh
# Passes when /root/box/dev/null is the null character device (major 1, minor 3).
file=/root/box/dev/null
if [ -c "$file" ] && [ "$(stat -c '%t,%T' "$file")" = 1,3 ]; then
  echo "$file is the character device 1,3: /dev/null, bind-mounted into the box."
  exit 0
fi
echo "$file is not the null device."
echo "Run: touch $file && mount --bind /dev/null $file"
exit 1
