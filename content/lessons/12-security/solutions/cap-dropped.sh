#!/bin/sh
setsid -f capsh --drop=cap_chown --inh= -- -c 'exec sleep 1001' </dev/null >/dev/null 2>&1
sleep 0.5
