#!/bin/sh
# Passes when /root/owned-by-1234 belongs to 1234, and a root-only map shows it as 65534.
file=/root/owned-by-1234
if [ "$(stat -c %u "$file" 2>/dev/null)" != 1234 ]; then
  echo "$file does not exist or does not belong to user 1234."
  echo "Run: touch $file && chown 1234:1234 $file"
  exit 1
fi
inside=$(unshare --user --map-root-user stat -c %u "$file")
if [ "$inside" = 65534 ]; then
  echo "$file: user 1234 from your shell, $inside (nobody) where only root is mapped."
  exit 0
fi
echo "From a namespace that maps only root, $file shows user $inside instead of 65534."
exit 1
