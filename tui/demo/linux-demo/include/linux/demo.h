/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_DEMO_H
#define _LINUX_DEMO_H
#include <uapi/linux/demo.h>
#endif
