#!/bin/sh
echo 'written by the container' > /overlay/merged/app/new.txt
