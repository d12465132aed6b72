#!/bin/sh
set -e
C1=$(pgrep -nx httpd)
ip link add veth-c1 type veth peer name eth0 netns "$C1"
ip addr add 10.20.0.1/24 dev veth-c1
ip link set veth-c1 up
nsenter -t "$C1" -n sh -c 'ip addr add 10.20.0.2/24 dev eth0 && ip link set eth0 up && ip link set lo up'
