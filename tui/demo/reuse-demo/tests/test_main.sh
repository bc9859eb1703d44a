#!/bin/sh
# SPDX-FileCopyrightText: 2024 Jane Doe <jane@example.org>
# SPDX-License-Identifier: CC0-1.0
test "$(ruby ../src/app/main.rb)" = hello
