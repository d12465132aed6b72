#!/bin/sh
# Passes when the bundle's config.json runs "sleep 3600" with the hostname oci-demo.
got=$(jq -c '{args: .process.args, hostname}' /root/bundle/config.json 2>/dev/null)
if [ "$got" = '{"args":["sleep","3600"],"hostname":"oci-demo"}' ]; then
  echo "config.json runs sleep 3600 as oci-demo."
  exit 0
fi
echo "config.json has ${got:-nothing readable}; it should have args [\"sleep\",\"3600\"] and hostname oci-demo."
echo "Run the jq step that sets .process.args and .hostname."
exit 1
