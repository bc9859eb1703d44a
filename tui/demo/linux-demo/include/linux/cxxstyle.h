// SPDX-License-Identifier: GPL-2.0
#ifndef _LINUX_CXXSTYLE_H
#define _LINUX_CXXSTYLE_H
#endif
