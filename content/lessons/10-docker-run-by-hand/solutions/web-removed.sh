#!/bin/sh
byhand rm web
