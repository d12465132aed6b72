#!/bin/sh
# Passes when app:1 and app:2 share every layer but the last: the steps before the changed last
# RUN came from the build cache (run again, they would make layers with other timestamps).
one=$(byhand image inspect app:1 2>/dev/null | jq -c '.[0].manifest.layers | map(.digest)')
two=$(byhand image inspect app:2 2>/dev/null | jq -c '.[0].manifest.layers | map(.digest)')
if [ -z "$one" ] || [ -z "$two" ]; then
  echo "app:1 and app:2 are not both there: build /root/app as app:1, change its last line, and build it as app:2."
  exit 1
fi
n1=$(echo "$one" | jq length); n2=$(echo "$two" | jq length)
if [ "$n1" -lt 3 ] || [ "$n1" != "$n2" ]; then
  echo "app:1 has $n1 layers and app:2 has $n2: both should have handmade:1's 2 plus one per RUN and COPY."
  exit 1
fi
if [ "$(echo "$one" | jq -c '.[:-1]')" != "$(echo "$two" | jq -c '.[:-1]')" ]; then
  echo "app:1 and app:2 differ below their last layer: change only the Dockerfile's last line between the two builds."
  exit 1
fi
if [ "$(echo "$one" | jq -r '.[-1]')" = "$(echo "$two" | jq -r '.[-1]')" ]; then
  echo "app:1 and app:2 have the same last layer: change the last RUN line (version 1 -> version 2) and build app:2 again."
  exit 1
fi
echo "app:1 and app:2 share $((n1 - 1)) layers (cached) and differ only in the last one."
exit 0
