// SPDX-FileCopyrightText: 2019 ACME Corp.
// SPDX-License-Identifier: LicenseRef-acme
export const acme = 1;
