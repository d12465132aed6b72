#!/bin/sh
cd /root/handmade || exit 1
base=$(sha256sum base.tar | cut -d' ' -f1)
top=$(sha256sum layer2.tar | cut -d' ' -f1)
jq -n --arg base "sha256:$base" --arg top "sha256:$top" \
  '{architecture: "amd64", os: "linux", config: {Cmd: ["cat", "/etc/motd"]}, rootfs: {type: "layers", diff_ids: [$base, $top]},
    history: [{created_by: "tar of busybox"}, {created_by: "tar of layer2: motd, no wget"}]}' > config.json
jq -n '[{Config: "config.json", RepoTags: ["handmade:1"], Layers: ["base.tar", "layer2.tar"]}]' > manifest.json
tar -cf /root/handmade.tar manifest.json config.json base.tar layer2.tar
byhand load -i /root/handmade.tar
byhand run --rm handmade:1
