#!/bin/sh
touch /root/owned-by-1234 && chown 1234:1234 /root/owned-by-1234
unshare --user --map-root-user ls -ln /root/owned-by-1234
