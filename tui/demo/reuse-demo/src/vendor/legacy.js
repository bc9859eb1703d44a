// SPDX-FileCopyrightText: 2018 ACME Corp.
// SPDX-License-Identifier: BSD-3-Clause
export const legacy = 2;
