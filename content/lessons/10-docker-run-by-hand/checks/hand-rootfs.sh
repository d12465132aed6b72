#!/bin/sh
# Passes when /tmp/c1/rootfs is an overlay over the busybox image whose page sits in the upper layer.
opts=$(findmnt -n -t overlay -o OPTIONS /tmp/c1/rootfs 2>/dev/null)
if [ -z "$opts" ]; then
  echo "No overlay is mounted on /tmp/c1/rootfs. Run the first step of 'A container by hand' (mount -t overlay …)."
  exit 1
fi
case ",$opts," in
  *,lowerdir=/opt/byhand/images/busybox/rootfs,*) ;;
  *) echo "The overlay on /tmp/c1/rootfs does not have the busybox image as its lower layer: $opts"; exit 1 ;;
esac
if [ ! -f /tmp/c1/upper/www/index.html ]; then
  echo "The overlay is mounted, but /tmp/c1/upper/www/index.html is missing: write the page through /tmp/c1/rootfs (the second step)."
  exit 1
fi
echo "An overlay of the busybox image is on /tmp/c1/rootfs, and its page is in the upper layer."
