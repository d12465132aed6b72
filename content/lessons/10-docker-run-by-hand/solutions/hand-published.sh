#!/bin/sh
set -e
sysctl -w net.ipv4.conf.veth-c1.route_localnet=1
nft add table ip hand
nft add chain ip hand output '{ type nat hook output priority -100; }'
nft add rule ip hand output ip daddr 127.0.0.1 tcp dport 8080 dnat to 10.20.0.2:80
nft add chain ip hand postrouting '{ type nat hook postrouting priority srcnat; }'
nft add rule ip hand postrouting ip saddr 127.0.0.0/8 ip daddr 10.20.0.2 masquerade
