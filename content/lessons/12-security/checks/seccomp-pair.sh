#!/bin/sh
# Passes when container plain (default seccomp profile) has one more filter than loose (unconfined).
filters() {
  pid=$(byhand inspect "$1" 2>/dev/null | jq -r '.[0].State | select(.Running) | .Pid' 2>/dev/null)
  [ -n "$pid" ] && awk '/^Seccomp_filters:/ {print $2}' "/proc/$pid/status"
}
plain=$(filters plain)
loose=$(filters loose)
if [ -z "$plain" ]; then
  echo "The container plain is not running: start it as in the capabilities section."
  exit 1
fi
if [ -z "$loose" ]; then
  echo "The container loose is not running."
  echo "Run: byhand run -d --name loose --security-opt seccomp=unconfined busybox sleep 3600"
  exit 1
fi
if [ "$plain" -ne $((loose + 1)) ]; then
  echo "plain has $plain seccomp filters and loose $loose: loose should have one fewer. Was it started with --security-opt seccomp=unconfined?"
  exit 1
fi
echo "plain has $plain seccomp filters, loose $loose: unconfined removed only the container's own filter."
exit 0
