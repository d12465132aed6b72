#!/bin/sh
# Passes while byhand reports a running container called "first".
if byhand ps 2>/dev/null | awk '$NF == "first"' | grep -q 'Up'; then
  echo "The container first is running:"
  byhand ps | awk 'NR == 1 || $NF == "first"'
  exit 0
fi
echo "No container named first is running. Run: byhand run -d --name first busybox sleep 3600"
exit 1
