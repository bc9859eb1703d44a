// SPDX-License-Identifier: Apache-2.0
/*
 * Apache-2.0 is in LICENSES/dual: it may only be used together with a
 * GPL-compatible license, joined with OR.
 */
int vendor_init(void) { return 0; }
