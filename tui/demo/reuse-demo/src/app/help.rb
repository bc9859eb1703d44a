# SPDX-FileCopyrightText: 2024 Jane Doe <jane@example.org>
# SPDX-License-Identifier: MIT

# REUSE-IgnoreStart
EXAMPLE = "SPDX-License-Identifier: GPL-3.0-or-later" # an example in a string: not this file's licence
# REUSE-IgnoreEnd
