#!/bin/sh
# Passes when tweak-flat:1 is a one-layer image imported from the export of container tweak:
# every layer squashed into one tree, deleted files simply absent (no whiteouts left).
archive=/root/tweak-flat.tar
if [ ! -f "$archive" ]; then
  echo "There is no $archive yet: byhand export -o $archive tweak"
  exit 1
fi
if tar -tf "$archive" | grep -q '\.wh\.'; then
  echo "$archive has whiteout entries: it is not an export of a container. Export it again."
  exit 1
fi
n=$(byhand image inspect tweak-flat:1 2>/dev/null | jq '.[0].manifest.layers | length')
if [ -z "$n" ]; then
  echo "There is no image tweak-flat:1: byhand import $archive tweak-flat:1"
  exit 1
fi
if [ "$n" != 1 ]; then
  echo "tweak-flat:1 has $n layers, not 1: import the exported tarball, not a saved image."
  exit 1
fi
if ! byhand run --rm tweak-flat:1 sh -c '[ -f /greeting.txt ] && [ ! -e /bin/vi ]' 2>/dev/null; then
  echo "tweak-flat:1 does not look like container tweak (a /greeting.txt, no /bin/vi): export tweak again and import it."
  exit 1
fi
echo "tweak-flat:1 has 1 layer with the container's whole file system: /greeting.txt, and no /bin/vi."
exit 0
