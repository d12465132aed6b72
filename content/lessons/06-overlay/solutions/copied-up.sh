#!/bin/sh
echo 'changed by the container' >> /overlay/merged/app/config.txt
