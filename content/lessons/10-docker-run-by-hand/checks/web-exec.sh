#!/bin/sh
# Passes when /www/exec.html exists inside the running container web (looked at through its root).
pid=$(byhand inspect web 2>/dev/null | awk -F'[:,]' '/"Pid"/ { gsub(/ /, "", $2); print $2; exit }')
if [ -z "$pid" ] || [ "$pid" = 0 ] || [ ! -d "/proc/$pid" ]; then
  echo "The container web is not running (byhand ps). Start it with the step of 'The same with byhand run'."
  exit 1
fi
if [ ! -s "/proc/$pid/root/www/exec.html" ]; then
  echo "The container web (pid $pid) has no /www/exec.html yet. Run the byhand exec step."
  exit 1
fi
echo "Inside web, /www/exec.html says: $(cat "/proc/$pid/root/www/exec.html")"
