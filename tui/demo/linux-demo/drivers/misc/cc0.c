// SPDX-License-Identifier: CC0-1.0
/* CC0-1.0 is on the SPDX list, but not in this tree's LICENSES/. */
int cc0(void) { return 0; }
