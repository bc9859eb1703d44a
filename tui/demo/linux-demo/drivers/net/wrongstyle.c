/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A .c file whose tag uses the header-file comment style.
 */
int wrongstyle(void) { return 0; }
