#!/bin/sh
pgrep -nx sleep > /root/container-pid
