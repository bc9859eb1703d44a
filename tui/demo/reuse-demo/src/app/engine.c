/*
 * SPDX-FileCopyrightText: 2022 Jane Doe <jane@example.org>
 * SPDX-FileCopyrightText: 2023 John Roe
 *
 * SPDX-License-Identifier: Apache-2.0 OR MIT
 */

int engine_start(void) { return 0; }
