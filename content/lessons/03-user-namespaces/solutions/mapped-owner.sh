#!/bin/sh
# Creates the file as root of the namespace that map-by-hand mapped to user 1000.
for pid in $(pgrep -x sleep); do
  [ "$(echo $(cat /proc/$pid/uid_map))" = "0 1000 1" ] || continue
  nsenter --target "$pid" --user touch /tmp/made-by-mapped-root
  exit $?
done
echo "no sleep with the map 0 1000 1" >&2
exit 1
