// SPDX-FileCopyrightText: 2024 Jane Doe <jane@example.org>
// SPDX-License-Identifier: MIT
// SPDX-License-Identifier: Apache-2.0

fn main() {}
