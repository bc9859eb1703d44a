// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Dual-licensed network driver (lictree demo).
 */
#include <linux/module.h>

MODULE_AUTHOR("Demo Author");
MODULE_LICENSE("Dual MIT/GPL");
