#!/bin/sh
byhand run -d --name reader -v /srv/data:/data:ro busybox sleep 3600
