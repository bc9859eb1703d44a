# SPDX-FileCopyrightText: 2024 Jane Doe <jane@example.org>
# SPDX-License-Identifier: MIT AND
SETTINGS = {}
