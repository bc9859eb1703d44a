// SPDX-License-Identifier: gpl-2.0 or mit
/* spdxcheck.py compares ids and operators case-insensitively. */
int lowercase(void) { return 0; }
