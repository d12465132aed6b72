#!/bin/sh
byhand run --name scratch busybox sh -c 'echo scribble > /note; cat /note'
