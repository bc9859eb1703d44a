// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
int shared_init(void) { return 0; }
