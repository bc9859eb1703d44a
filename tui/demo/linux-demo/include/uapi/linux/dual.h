/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
#ifndef _UAPI_LINUX_DUAL_H
#define _UAPI_LINUX_DUAL_H
#endif
