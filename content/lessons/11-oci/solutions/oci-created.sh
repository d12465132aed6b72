#!/bin/sh
byhand oci create --bundle /root/bundle demo && byhand oci state demo
