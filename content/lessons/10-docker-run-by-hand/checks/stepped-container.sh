#!/bin/sh
# Passes while a container made by byhand runs in this sandbox.
running=$(byhand ps -q 2>/dev/null)
if [ -n "$running" ]; then
  echo "A container is running: $(echo "$running" | head -n 1)."
  exit 0
fi
echo "No container is running. Start the Stepper and go through to the end (Continue),"
echo "and leave the container's shell open."
exit 1
