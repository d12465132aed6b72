#!/bin/sh
byhand run --rm busybox uname -r | tee /root/container-kernel
