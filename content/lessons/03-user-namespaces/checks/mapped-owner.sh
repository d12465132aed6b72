#!/bin/sh
# Passes when /tmp/made-by-mapped-root exists and belongs to user 1000 of the sandbox.
file=/tmp/made-by-mapped-root
if [ ! -e "$file" ]; then
  echo "There is no $file yet. Create it from the mapped namespace:"
  echo "nsenter --target <PID of the sleep> --user touch $file"
  exit 1
fi
owner=$(stat -c %u "$file")
if [ "$owner" = 1000 ]; then
  echo "$file belongs to user 1000 here: the namespace's root, as your sandbox sees it."
  exit 0
fi
echo "$file belongs to user $owner, not 1000: it was made by your own root, not the mapped one."
echo "Remove it (rm $file) and create it again with nsenter --target <PID> --user touch $file"
exit 1
