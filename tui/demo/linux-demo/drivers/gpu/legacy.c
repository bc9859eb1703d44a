// SPDX-License-Identifier: GPL-1.0+
/*
 * Old code under a deprecated license id.
 */
int legacy(void) { return 0; }
