#!/bin/sh
# Passes when /root/container-kernel holds this kernel's release, as a container reported it.
mine=$(uname -r)
if [ ! -s /root/container-kernel ]; then
  echo "There is no /root/container-kernel yet."
  echo "Run: byhand run --rm busybox uname -r | tee /root/container-kernel"
  exit 1
fi
theirs=$(grep -v '^byhand:' /root/container-kernel | tail -n 1)
if [ "$theirs" = "$mine" ]; then
  echo "The container reported kernel $theirs: the same kernel as yours."
  exit 0
fi
echo "/root/container-kernel says '$theirs', but this kernel is $mine."
echo "Run the step again: byhand run --rm busybox uname -r | tee /root/container-kernel"
exit 1
