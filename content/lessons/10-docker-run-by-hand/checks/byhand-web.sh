#!/bin/sh
# Passes while a container named web runs and answers on the sandbox's port 8082.
if ! byhand ps 2>/dev/null | awk 'NR > 1 { print $NF }' | grep -qx web; then
  echo "No running container is named web (byhand ps). Run the byhand --explain run -d --name web step."
  exit 1
fi
page=$(curl -s -m 3 http://127.0.0.1:8082/)
if [ -z "$page" ]; then
  echo "The container web runs, but nothing answers on 127.0.0.1:8082: was it started with -p 8082:80?"
  exit 1
fi
echo "The container web runs and answers on port 8082: $page"
