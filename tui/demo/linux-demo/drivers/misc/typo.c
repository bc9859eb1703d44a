// SPDX-License-Identifier: GPL-2.0-onyl
int typo(void) { return 0; }
