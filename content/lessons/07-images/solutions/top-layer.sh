#!/bin/sh
mkdir -p /root/greeted-oci && tar -xf /root/greeted.tar -C /root/greeted-oci && cd /root/greeted-oci || exit 1
manifest=$(jq -r '.manifests[0].digest' index.json | cut -d: -f2)
top=$(jq -r '.layers[-1].digest' "blobs/sha256/$manifest" | cut -d: -f2)
mkdir -p /root/top-layer && tar -xf "blobs/sha256/$top" -C /root/top-layer
ls -lA /root/top-layer /root/top-layer/bin /root/top-layer/etc
