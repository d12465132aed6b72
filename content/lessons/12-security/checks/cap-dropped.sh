#!/bin/sh
# Passes while some process runs without CAP_CHOWN (bit 0) in both its effective and bounding sets.
for status in /proc/[0-9]*/status; do
  eff=$(awk '/^CapEff:/ {print $2}' "$status" 2>/dev/null)
  bnd=$(awk '/^CapBnd:/ {print $2}' "$status" 2>/dev/null)
  [ -n "$eff" ] && [ -n "$bnd" ] || continue
  # Only processes that still hold other capabilities: a non-root process has none at all.
  [ "$((0x$eff & 1))" = 0 ] && [ "$((0x$bnd & 1))" = 0 ] && [ "$((0x$eff))" != 0 ] || continue
  pid=${status#/proc/}
  pid=${pid%/status}
  echo "Process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) runs as root without CAP_CHOWN: CapEff $eff, CapBnd $bnd."
  exit 0
done
echo "Every process still has CAP_CHOWN."
echo "Run: capsh --drop=cap_chown --inh= -- -c 'exec sleep 1001' &"
exit 1
