#!/bin/sh
# Leaves a sleep running in a UTS namespace called "island", detached from this script.
setsid -f unshare --uts sh -c 'hostname island; exec sleep 600' </dev/null >/dev/null 2>&1
sleep 1
