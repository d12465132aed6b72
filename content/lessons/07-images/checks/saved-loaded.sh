#!/bin/sh
# Passes when /root/greeted.tar is an OCI image layout of greeted:1, and greeted:1 was loaded
# back from it (its name was written after the archive) with the same manifest digest.
archive=/root/greeted.tar
if [ ! -f "$archive" ]; then
  echo "There is no $archive yet: byhand save -o $archive greeted:1"
  exit 1
fi
saved=$(tar -xOf "$archive" index.json 2>/dev/null | jq -r '.manifests[0].digest' 2>/dev/null)
if [ -z "$saved" ] || [ "$saved" = null ]; then
  echo "$archive has no index.json: it is not an OCI image layout. Make it again with byhand save."
  exit 1
fi
loaded=$(byhand image inspect greeted:1 2>/dev/null | jq -r '.[0].digest')
if [ -z "$loaded" ]; then
  echo "There is no image greeted:1: load it back with byhand load -i $archive"
  exit 1
fi
if [ "$loaded" != "$saved" ]; then
  echo "greeted:1 is $loaded but the archive holds $saved: save it again, remove it, and load it."
  exit 1
fi
if [ -z "$(find "${BYHAND_STATE_DIR:-/tmp/byhand}/images/refs" -name '*greeted*' -newer "$archive" 2>/dev/null)" ]; then
  echo "greeted:1 is still the image you committed: remove it (byhand rmi greeted:1), then byhand load -i $archive"
  exit 1
fi
echo "greeted:1 was loaded back from $archive with the same digest, $saved."
exit 0
