#!/bin/sh
# Passes when the container web still exists and is stopped (Exited in byhand ps -a).
line=$(byhand ps -a 2>/dev/null | awk 'NR > 1 && $NF == "web"')
if [ -z "$line" ]; then
  echo "There is no container named web (byhand ps -a). Start it with the step of 'The same with byhand run'."
  exit 1
fi
case "$line" in
  *Exited*) echo "web is stopped: $(echo "$line" | grep -o 'Exited[^ ]* *([^)]*)')"; exit 0 ;;
esac
echo "web is still running. Stop it with byhand stop web (it takes 10 seconds)."
exit 1
