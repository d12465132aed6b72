#!/bin/sh
# Passes when the container "demo" is in the created state with a live, waiting process.
state=$(byhand oci state demo 2>/dev/null)
status=$(echo "$state" | jq -r '.status' 2>/dev/null)
pid=$(echo "$state" | jq -r '.pid' 2>/dev/null)
if [ "$status" = created ] && [ -d "/proc/$pid" ]; then
  echo "demo is created: process $pid exists, still the runtime's $(cat /proc/$pid/comm), waiting for start."
  exit 0
fi
echo "The container demo is not in the created state (${status:-no such container})."
echo "Run: byhand oci create --bundle /root/bundle demo"
exit 1
