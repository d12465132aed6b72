#!/bin/sh
# Passes when /root/bundle/config.json is an OCI runtime config rooted at rootfs.
config=/root/bundle/config.json
if [ ! -f "$config" ]; then
  echo "There is no $config yet. Run: cd /root/bundle && byhand oci spec"
  exit 1
fi
summary=$(jq -e -r 'select(.ociVersion and .process.args and .root.path == "rootfs") | "OCI \(.ociVersion), root \(.root.path)"' "$config" 2>&1)
if [ $? -ne 0 ]; then
  echo "$config is not an OCI config with root.path \"rootfs\" ($summary). Write a fresh one: cd /root/bundle && byhand oci spec"
  exit 1
fi
echo "$config: $summary."
exit 0
