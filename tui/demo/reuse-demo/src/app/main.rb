# SPDX-FileCopyrightText: 2024 Jane Doe <jane@example.org>
#
# SPDX-License-Identifier: MIT

# The reuse-demo application: REUSE puts the copyright first, then the licence.
puts "hello"
