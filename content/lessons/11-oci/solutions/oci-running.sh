#!/bin/sh
byhand oci start demo && byhand oci state demo
