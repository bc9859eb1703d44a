#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A script: the tag goes on line 2, after the #! line.
echo "checking the demo tree"
