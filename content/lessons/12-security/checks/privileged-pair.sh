#!/bin/sh
# Passes when containers plain (default capabilities) and priv (--privileged, all of them) run.
pid_of() {
  byhand inspect "$1" 2>/dev/null | jq -r '.[0].State | select(.Running) | .Pid' 2>/dev/null
}
plain=$(pid_of plain)
priv=$(pid_of priv)
if [ -z "$plain" ] || [ -z "$priv" ]; then
  echo "The containers plain and priv are not both running (byhand ps shows what is)."
  echo "Run: byhand run -d --name plain busybox sleep 3600 && byhand run -d --name priv --privileged busybox sleep 3600"
  exit 1
fi
mine=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
plain_caps=$(awk '/^CapEff:/ {print $2}' "/proc/$plain/status")
priv_caps=$(awk '/^CapEff:/ {print $2}' "/proc/$priv/status")
if [ "$priv_caps" != "$mine" ]; then
  echo "priv has capabilities $priv_caps, not all of them ($mine): start it again with --privileged."
  exit 1
fi
if [ "$plain_caps" = "$mine" ]; then
  echo "plain has every capability: start it again without --privileged or --cap-add."
  exit 1
fi
echo "plain runs with $plain_caps, priv with every capability ($priv_caps)."
exit 0
