/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UAPI_LINUX_NONOTE_H
#define _UAPI_LINUX_NONOTE_H
/* A UAPI header under the GPL without the syscall note. */
#endif
