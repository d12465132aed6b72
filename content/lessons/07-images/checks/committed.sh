#!/bin/sh
# Passes when greeted:1 is handmade:1's two layers plus one committed layer holding the greeting.
base=$(byhand image inspect handmade:1 2>/dev/null | jq -c '.[0].manifest.layers | map(.digest)')
layers=$(byhand image inspect greeted:1 2>/dev/null | jq -c '.[0].manifest.layers | map(.digest)')
if [ -z "$layers" ]; then
  echo "There is no image greeted:1 yet."
  echo "Run the container tweak (the step above), then: byhand commit tweak greeted:1"
  exit 1
fi
if [ -z "$base" ] || [ "$(echo "$layers" | jq -c '.[:-1]')" != "$base" ]; then
  echo "greeted:1's layers are not handmade:1's two plus one: commit a container that was started from handmade:1."
  exit 1
fi
if ! byhand run --rm greeted:1 cat /greeting.txt 2>/dev/null | grep -q 'made in a container'; then
  echo "greeted:1 has no /greeting.txt: the container you committed did not write it. Remove it (byhand rm tweak) and run the step again."
  exit 1
fi
echo "greeted:1 = handmade:1's 2 layers + 1 committed layer ($(echo "$layers" | jq -r '.[-1]' | cut -c1-19)…), with /greeting.txt."
exit 0
