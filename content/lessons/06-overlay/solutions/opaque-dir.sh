#!/bin/sh
set -e
rm -rf /overlay/merged/data
mkdir /overlay/merged/data
echo 'new data' > /overlay/merged/data/3.txt
