#!/bin/sh
mkdir -p /root/app && cd /root/app || exit 1
echo 'hello from the build context' > hello.txt
printf '%s\n' 'FROM handmade:1' 'RUN echo made by the first RUN > /one.txt' 'COPY hello.txt /hello.txt' 'RUN echo version 1 > /version.txt' > Dockerfile
byhand build -t app:1 /root/app
sed -i 's/version 1/version 2/' Dockerfile
byhand build -t app:2 /root/app
