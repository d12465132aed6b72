#!/bin/sh
# Passes when image handmade:1 has the two hand-made layers, and a container of it shows the
# new /etc/motd and no /bin/wget (the whiteout applied).
n=$(byhand image inspect handmade:1 2>/dev/null | jq '.[0].manifest.layers | length')
if [ -z "$n" ]; then
  echo "There is no image handmade:1 yet."
  echo "Write config.json and manifest.json in /root/handmade, tar them with both layers, then: byhand load -i /root/handmade.tar"
  exit 1
fi
if [ "$n" != 2 ]; then
  echo "handmade:1 has $n layer(s), not 2: list base.tar and then layer2.tar in manifest.json, and load it again."
  exit 1
fi
if ! byhand run --rm handmade:1 cat /etc/motd 2>/dev/null | grep -q 'made by hand'; then
  echo "A container of handmade:1 has no /etc/motd from layer2.tar: is etc/motd in layer2.tar, and layer2.tar the second layer?"
  exit 1
fi
if byhand run --rm handmade:1 sh -c '[ -e /bin/wget ] || [ -L /bin/wget ]' 2>/dev/null; then
  echo "A container of handmade:1 still has /bin/wget: layer2.tar needs an empty file bin/.wh.wget."
  exit 1
fi
echo "handmade:1 has 2 layers; its containers show /etc/motd and no /bin/wget."
exit 0
