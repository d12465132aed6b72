#!/bin/sh
byhand image inspect greeted:1 | jq -r '.[0].digest'
byhand save -o /root/greeted.tar greeted:1
byhand rmi greeted:1
byhand images
byhand load -i /root/greeted.tar
byhand image inspect greeted:1 | jq -r '.[0].digest'
