#!/bin/sh
# The learner stays in the pivoted bash; a sleep stands in for it, detached from this script.
setsid -f unshare --mount --pid --fork sh -c 'mount --bind /root/box /root/box && cd /root/box && mkdir -p oldroot && pivot_root . oldroot && exec /bin/sh -c "mount -t proc proc /proc && umount -l /oldroot && exec sleep 600"' </dev/null >/dev/null 2>&1
sleep 1
