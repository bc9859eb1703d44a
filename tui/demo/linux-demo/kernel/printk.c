/*
 * printk.c - an untagged file: no SPDX-License-Identifier, so the
 * COPYING default (GPL-2.0 WITH Linux-syscall-note) applies.
 */
int demo_printk(const char *fmt)
{
	return 0;
}
