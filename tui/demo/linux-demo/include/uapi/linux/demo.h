/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_LINUX_DEMO_H
#define _UAPI_LINUX_DEMO_H
#define DEMO_IOCTL 0x42
#endif
