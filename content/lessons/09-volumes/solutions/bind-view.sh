#!/bin/sh
mkdir -p /srv/data /mnt/view && echo hello > /srv/data/greeting && mount --bind /srv/data /mnt/view
