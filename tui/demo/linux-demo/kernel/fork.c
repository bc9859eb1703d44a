// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fork.c - a file under "GPL-2.0 or later".
 */
int demo_fork(void)
{
	return 1;
}
