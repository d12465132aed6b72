#!/bin/sh
# Passes when the container "writer" runs and /srv/shared/log grows while we watch.
if [ "$(byhand inspect writer 2>/dev/null | jq -r '.[0].State.Running')" != true ]; then
  echo "No container called writer is running. Start it with the step's byhand run -d --name writer ... command."
  exit 1
fi
before=$(wc -l < /srv/shared/log 2>/dev/null || echo 0)
sleep 2
after=$(wc -l < /srv/shared/log 2>/dev/null || echo 0)
if [ "$after" -gt "$before" ]; then
  echo "writer added $((after - before)) line(s) to /srv/shared/log in 2 s; it has $after now."
  exit 0
fi
echo "writer runs, but /srv/shared/log did not grow in 2 s: is /srv/shared mounted at /shared (-v /srv/shared:/shared)?"
exit 1
