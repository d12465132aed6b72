#!/bin/sh
# The learner stays in an interactive bash; a sleep stands in for it, detached from this script.
setsid -f unshare --uts --ipc --mount --pid --fork --mount-proc sh -c 'hostname box; exec sleep 900' </dev/null >/dev/null 2>&1
sleep 1
