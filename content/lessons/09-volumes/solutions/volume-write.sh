#!/bin/sh
byhand run --rm -v /srv/data:/data busybox sh -c 'hostname > /data/written-by; ls -l /data'
