#!/bin/sh
# Only ever inside a course sandbox, whose root is not the machine's root.
if awk '$1 == 0 && $2 == 0 { found = 1 } END { exit !found }' /proc/self/uid_map; then
  echo "refusing to run: root here is the machine's root, so this is not a course sandbox" >&2
  exit 1
fi
byhand run -d --name plain busybox sleep 3600 >/dev/null
byhand run -d --name priv --privileged busybox sleep 3600 >/dev/null
