#!/bin/sh
# Passes when "demo" is running sleep 3600 in a UTS namespace named oci-demo.
state=$(byhand oci state demo 2>/dev/null)
if [ "$(echo "$state" | jq -r .status)" != running ]; then
  echo "The container demo is not running ($(echo "$state" | jq -r .status 2>/dev/null || echo 'no such container'))."
  echo "Run: byhand oci start demo"
  exit 1
fi
pid=$(echo "$state" | jq -r .pid)
command=$(tr '\0' ' ' < /proc/$pid/cmdline)
name=$(nsenter --target "$pid" --uts hostname)
case "$command" in
  *sleep\ 3600*) ;;
  *) echo "demo's process $pid runs '$command', not sleep 3600: edit config.json, delete demo and create it again."; exit 1 ;;
esac
echo "demo is running: process $pid is '$command', hostname $name."
exit 0
