#!/bin/sh
byhand run -d --name first busybox sleep 3600
