#!/bin/sh
byhand logs web > /root/web.log
byhand stop web
