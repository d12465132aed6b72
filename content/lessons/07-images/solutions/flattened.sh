#!/bin/sh
byhand export -o /root/tweak-flat.tar tweak
byhand import /root/tweak-flat.tar tweak-flat:1
byhand history tweak-flat:1
