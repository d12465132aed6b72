#!/bin/sh
mkdir -p /mnt/ro && mount --bind /srv/data /mnt/ro && mount -o remount,bind,ro /mnt/ro
