#!/bin/sh
set -e
mkdir -p /overlay
# Before Linux 6.6 tmpfs cannot keep user.* attributes; the course then gives the sandbox an ext4 /scratch.
if mountpoint -q /scratch; then
  mount --bind /scratch /overlay
else
  mount -t tmpfs layers /overlay
fi
cd /overlay
mkdir lower upper work merged
mkdir -p lower/app lower/data
echo 'from the image' > lower/app/config.txt
echo 'delete me' > lower/app/old.txt
echo one > lower/data/1.txt
echo two > lower/data/2.txt
mount -t overlay overlay -o lowerdir=/overlay/lower,upperdir=/overlay/upper,workdir=/overlay/work,userxattr /overlay/merged
