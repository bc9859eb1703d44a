// SPDX-License-Identifier: GPL-2.0 OR MIT OR BSD-3-Clause
/*
 * spdxcheck.py's grammar makes AND and OR non-associative: three ids need
 * parentheses, e.g. (GPL-2.0 OR MIT) OR BSD-3-Clause.
 */
int chain(void) { return 0; }
