#!/bin/sh
# Leaves a sleep holding a mount namespace with a tmpfs on /mnt, detached from this script.
setsid -f unshare --mount sh -c 'mount -t tmpfs scratch /mnt && echo kept > /mnt/only-here && exec sleep 700' </dev/null >/dev/null 2>&1
sleep 1
