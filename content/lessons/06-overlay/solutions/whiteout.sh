#!/bin/sh
rm /overlay/merged/app/old.txt
