#!/bin/sh
ipcmk --queue
