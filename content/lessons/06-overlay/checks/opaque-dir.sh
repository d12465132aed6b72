#!/bin/sh
# Passes when upper/data is an opaque directory: the lower data/ still has files, yet merged hides them.
# (The lab image has no getfattr, so the check reads the xattr's effect rather than the xattr.)
if ! findmnt -n -t overlay /overlay/merged >/dev/null; then
  echo "/overlay/merged is not an overlay mount any more: mount it again first."
  exit 1
fi
if [ ! -d /overlay/upper/data ]; then
  echo "The upper layer has no data/ directory yet."
  echo "Replace it through the merged view: rm -rf /overlay/merged/data && mkdir /overlay/merged/data"
  exit 1
fi
hidden=0
for f in /overlay/lower/data/*; do
  [ -e "$f" ] || continue
  [ -e "/overlay/merged/data/${f##*/}" ] || hidden=$((hidden + 1))
done
if [ "$hidden" -gt 0 ] && [ -z "$(find /overlay/upper/data -mindepth 1 -type c)" ]; then
  echo "upper/data is opaque: it hides the lower layer's $hidden file(s) without a whiteout for each."
  exit 0
fi
echo "upper/data exists but is not opaque: the merged view still shows the lower layer's files,"
echo "or they are hidden one by one with whiteouts. Remove the whole directory (rm -rf /overlay/merged/data), then mkdir it again."
echo "If rm answered Input/output error, this kernel's tmpfs cannot keep user.* attributes: start again with /scratch bound on /overlay (see the note in the lesson)."
exit 1
