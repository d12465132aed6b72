#!/bin/sh
# Passes when /root/my-namespaces lists the sandbox's own namespaces (those of its pid 1).
if [ ! -s /root/my-namespaces ]; then
  echo "There is no /root/my-namespaces yet. Run: ls -l /proc/\$\$/ns > /root/my-namespaces"
  exit 1
fi
for kind in mnt pid uts ipc net user; do
  id=$(readlink /proc/self/ns/$kind)
  if ! grep -qF "$id" /root/my-namespaces; then
    echo "/root/my-namespaces does not list your $kind namespace ($id)."
    echo "Run: ls -l /proc/\$\$/ns > /root/my-namespaces"
    exit 1
  fi
done
echo "/root/my-namespaces lists your shell's namespaces, e.g. $(readlink /proc/self/ns/uts)."
exit 0
