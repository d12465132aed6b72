#!/bin/sh
# Passes when a container "scratch" exists and /note lies in its upper (writable) layer.
upper=$(byhand inspect scratch 2>/dev/null | jq -r '.[0].GraphDriver.Data.UpperDir // empty')
if [ -z "$upper" ]; then
  echo "There is no container called scratch. Run: byhand run --name scratch busybox sh -c 'echo scribble > /note; cat /note'"
  exit 1
fi
if [ -f "$upper/note" ]; then
  echo "scratch's writable layer $upper holds note: $(cat "$upper/note")"
  exit 0
fi
echo "scratch exists, but its writable layer $upper has no note. Remove it (byhand rm scratch) and run the step again."
exit 1
