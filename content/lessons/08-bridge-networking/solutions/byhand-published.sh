#!/bin/sh
export PATH="$PATH:/opt/byhand/bin"
byhand run -d --name web -p 8081:80 busybox sh -c 'echo hello from web > /tmp/index.html && exec httpd -f -p 80 -h /tmp'
