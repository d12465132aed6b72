#!/bin/sh
# Passes when /overlay/merged is an overlay of /overlay/lower (below) and /overlay/upper (on top).
opts=$(findmnt -n -o FSTYPE,OPTIONS /overlay/merged 2>/dev/null)
case "$opts" in
  overlay*lowerdir=/overlay/lower*upperdir=/overlay/upper*)
    echo "/overlay/merged is an overlay: lowerdir=/overlay/lower, upperdir=/overlay/upper."
    exit 0 ;;
  overlay*)
    echo "/overlay/merged is an overlay, but not of /overlay/lower and /overlay/upper: $opts"
    echo "Unmount it (umount /overlay/merged) and mount it again with the step's options."
    exit 1 ;;
esac
echo "Nothing is mounted on /overlay/merged."
echo "Mount the tmpfs on /overlay (or bind /scratch there, if your sandbox has one), make the four folders,"
echo "fill lower/, then run the mount -t overlay step."
exit 1
