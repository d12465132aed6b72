#!/bin/sh
# Changes the network of the namespace it runs in: only ever inside a course sandbox, whose root
# is not the machine's root (uid 0 inside maps to another uid outside).
if awk '$1 == 0 && $2 == 0 { found = 1 } END { exit !found }' /proc/self/uid_map; then
  echo "refusing to run: root here is the machine's root, so this is not a course sandbox" >&2
  exit 1
fi
ip netns add a && ip netns add b
