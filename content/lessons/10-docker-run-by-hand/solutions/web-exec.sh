#!/bin/sh
byhand exec web sh -c 'echo made by exec in $(hostname) > /www/exec.html'
