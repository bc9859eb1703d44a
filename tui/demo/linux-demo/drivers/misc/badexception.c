// SPDX-License-Identifier: MIT WITH Linux-syscall-note
/* Linux-syscall-note may only follow the licenses its SPDX-Licenses tag lists. */
int badexception(void) { return 0; }
