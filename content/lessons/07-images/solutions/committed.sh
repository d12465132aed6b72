#!/bin/sh
byhand run --name tweak handmade:1 sh -c 'echo "made in a container" > /greeting.txt && rm /bin/vi && rm -rf /etc && mkdir /etc && echo "root:x:0:0:root:/root:/bin/sh" > /etc/passwd'
byhand commit -m 'a greeting, no vi, a new /etc' tweak greeted:1
byhand history greeted:1
