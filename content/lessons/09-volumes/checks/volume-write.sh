#!/bin/sh
# Passes when /srv/data/written-by names a hostname other than the sandbox's: a container's.
name=$(head -n 1 /srv/data/written-by 2>/dev/null)
if [ -z "$name" ]; then
  echo "/srv/data/written-by is missing or empty."
  echo "Run: byhand run --rm -v /srv/data:/data busybox sh -c 'hostname > /data/written-by; ls -l /data'"
  exit 1
fi
if [ "$name" = "$(hostname)" ]; then
  echo "/srv/data/written-by holds your sandbox's own hostname: write it from a container, through -v."
  exit 1
fi
echo "Container $name wrote /data/written-by, and it is still here in /srv/data."
exit 0
