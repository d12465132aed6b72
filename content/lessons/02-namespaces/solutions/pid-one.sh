#!/bin/sh
# Leaves a sleep running as PID 1 of a new PID namespace, detached from this script.
setsid -f unshare --pid --fork --mount-proc sleep 1000 </dev/null >/dev/null 2>&1
sleep 1
