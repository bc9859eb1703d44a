// SPDX-License-Identifier: GPL-2.0-only
/*
 * A scheduler that schedules nothing (lictree demo).
 */
#include <linux/module.h>

static int __init demo_sched_init(void)
{
	return 0;
}
module_init(demo_sched_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Demo scheduler");
