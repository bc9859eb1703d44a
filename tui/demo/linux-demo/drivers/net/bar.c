// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SPDX tag says GPL-2.0-only, but MODULE_LICENSE claims a BSD dual license.
 */
#include <linux/module.h>

MODULE_LICENSE("Dual BSD/GPL");
