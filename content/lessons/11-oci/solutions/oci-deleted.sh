#!/bin/sh
byhand oci kill demo KILL
sleep 1
byhand oci delete demo
