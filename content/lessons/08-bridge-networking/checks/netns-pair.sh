#!/bin/sh
# Passes when the named network namespaces a and b exist and differ from the sandbox's own.
own=$(readlink /proc/self/ns/net)
for ns in a b; do
  if [ ! -e "/run/netns/$ns" ]; then
    echo "There is no network namespace called $ns (no /run/netns/$ns). Run: ip netns add a && ip netns add b"
    exit 1
  fi
  if [ "$(nsenter --net="/run/netns/$ns" readlink /proc/self/ns/net)" = "$own" ]; then
    echo "/run/netns/$ns is your sandbox's own network namespace, not a new one. Remove it (ip netns del $ns) and add it again."
    exit 1
  fi
done
echo "The network namespaces a and b exist: $(ip netns list | tr '\n' ' ')"
exit 0
