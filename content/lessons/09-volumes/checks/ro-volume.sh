#!/bin/sh
# Passes when the running container "reader" has /data mounted read-only from /srv/data.
pid=$(byhand inspect reader 2>/dev/null | jq -r 'if .[0].State.Running then .[0].State.Pid else empty end')
if [ -z "$pid" ]; then
  echo "No container called reader is running. Run: byhand run -d --name reader -v /srv/data:/data:ro busybox sleep 3600"
  exit 1
fi
# mountinfo fields: id, parent, device, root, mount point, options, ...
line=$(awk '$5 == "/data"' /proc/$pid/mountinfo)
case "$line" in
  *' /srv/data /data ro,'*) echo "reader mounts /srv/data at /data read-only: $line"; exit 0 ;;
  '') echo "reader has nothing mounted at /data. Remove it (byhand rm -f reader) and start it with -v /srv/data:/data:ro" ;;
  *) echo "reader's /data is not a read-only mount of /srv/data: $line. Remove it (byhand rm -f reader) and add :ro" ;;
esac
exit 1
