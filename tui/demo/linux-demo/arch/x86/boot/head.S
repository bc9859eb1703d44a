/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Boot entry (lictree demo).
 */
	.text
	.globl	startup_demo
startup_demo:
	ret
