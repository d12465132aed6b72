#!/bin/sh
# Passes when the container web is gone but its logs were kept in /root/web.log first.
if ! grep -q 'serving /www on port 80' /root/web.log 2>/dev/null; then
  echo "/root/web.log does not hold web's logs. Save them (byhand logs web > /root/web.log) before rm deletes them."
  exit 1
fi
if byhand ps -a 2>/dev/null | awk 'NR > 1 { print $NF }' | grep -qx web; then
  echo "The container web still exists (byhand ps -a). Remove it with byhand rm web."
  exit 1
fi
echo "web is gone, and its logs live on in /root/web.log ($(wc -l < /root/web.log) lines)."
