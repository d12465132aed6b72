#!/bin/sh
set -e
byhand --explain run -d --name web -p 8082:80 -m 64m --pids-limit 20 busybox sh -c 'mkdir -p /www && echo hello from byhand > /www/index.html && echo serving /www on port 80 && exec httpd -f -vv -p 80 -h /www'
for _ in $(seq 50); do
  curl -s -m 1 http://127.0.0.1:8082/ && exit 0
  sleep 0.1
done
echo "web does not answer on port 8082"
exit 1
