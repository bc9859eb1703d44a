// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A network driver offered under two terms (lictree demo).
 */
#include <linux/module.h>

MODULE_AUTHOR("Demo Author");
MODULE_LICENSE("Dual MIT/GPL");
