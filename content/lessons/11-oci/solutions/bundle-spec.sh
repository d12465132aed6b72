#!/bin/sh
cd /root/bundle && byhand oci spec
