#!/usr/bin/env perl
# SPDX-License-Identifier: GPL-2.0
use strict;
print "headers\n";
