#!/bin/sh
cd /root/bundle || exit 1
jq --arg name oci-demo '.process.args = $ARGS.positional | .hostname = $name' config.json --args sleep 3600 > config.new && mv config.new config.json
