// SPDX-License-Identifier: GPL-2.0-only
/*
 * retagged.c - its tag and its notice disagree (lictree demo)
 *
 * This program is free software; you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation; either version 2 of the License, or
 * (at your option) any later version.
 */
int retagged_probe(void)
{
	return 0;
}
