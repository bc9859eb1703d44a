/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef _DEMO_FOO_H
#define _DEMO_FOO_H
int foo_probe(void);
#endif
