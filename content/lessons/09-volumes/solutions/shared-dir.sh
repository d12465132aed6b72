#!/bin/sh
mkdir -p /srv/shared && byhand run -d --name writer -v /srv/shared:/shared busybox sh -c 'while true; do date >> /shared/log; sleep 1; done'
byhand run --rm -v /srv/shared:/shared busybox tail -n 3 /shared/log
