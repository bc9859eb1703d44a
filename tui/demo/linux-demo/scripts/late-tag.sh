#!/bin/sh
#
# Helper that prints the kernel version.
#
# SPDX-License-Identifier: GPL-2.0-only
echo 6.12
