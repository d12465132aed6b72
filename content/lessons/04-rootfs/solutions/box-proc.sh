#!/bin/sh
mount -t proc proc /root/box/proc
