import pytest

from tui.core.headers import extract_header


@pytest.mark.parametrize(
    ("head", "expression", "line"),
    [
        (b"// SPDX-License-Identifier: GPL-2.0\nint x;\n", "GPL-2.0", 1),
        (b"/* SPDX-License-Identifier: GPL-2.0 OR MIT */\n", "GPL-2.0 OR MIT", 1),
        (b"#!/bin/sh\n# SPDX-License-Identifier: GPL-2.0-only\n", "GPL-2.0-only", 2),
        (b".. SPDX-License-Identifier: GPL-2.0\n", "GPL-2.0", 1),
        (b"<!-- SPDX-License-Identifier: GPL-2.0 -->\n", "GPL-2.0", 1),
        (b"{# SPDX-License-Identifier: GPL-2.0 #}\n", "GPL-2.0", 1),
        (b'LIST "SPDX-License-Identifier: GPL-2.0"\n', "GPL-2.0", 1),
        (b"// SPDX-License-Identifier: GPL-2.0\r\n", "GPL-2.0", 1),
        # spdxcheck keeps only the text between the first and the second colon.
        (b"// SPDX-License-Identifier: GPL-2.0 // see: COPYING\n", "GPL-2.0 // see", 1),
        (b"\n" * 14 + b"# SPDX-License-Identifier: MIT\n", "MIT", 15),
    ],
)
def test_tag_is_found_with_spdxcheck_semantics(head, expression, line):
    header = extract_header(head)
    assert (header.expression, header.line) == (expression, line)


def test_tag_after_line_15_is_not_a_tag():
    header = extract_header(b"\n" * 15 + b"# SPDX-License-Identifier: MIT\n")
    assert header.expression is None and header.line is None


def test_tag_after_line_15_in_a_long_head_is_not_a_tag():
    head = b"x" * 5000 + b"\n" + b"\n" * 15 + b"// SPDX-License-Identifier: MIT\n"
    assert extract_header(head).expression is None
    head = b"x" * 5000 + b"\n// SPDX-License-Identifier: MIT\n"
    assert extract_header(head).line == 2


def test_jinja_closing_is_not_part_of_the_expression():
    header = extract_header(b"{# SPDX-License-Identifier: GPL-2.0 #}\n")
    assert header.jinja_fix
    assert not extract_header(b"// SPDX-License-Identifier: GPL-2.0\n").jinja_fix


def test_more_tags_and_details():
    header = extract_header(b"#!/bin/sh\n# SPDX-License-Identifier: GPL-2.0\n# SPDX-License-Identifier: MIT\n")
    assert header.more_tags == (3,)
    assert header.shebang and header.prefix == "#"
    assert extract_header(b"a\r\nb\r\n").crlf
    assert extract_header(b"\x00\x01binary").binary


def test_non_utf8_bytes_are_dropped_like_spdxcheck():
    # spdxcheck decodes with errors='ignore'.
    assert extract_header(b"// SPDX-License-Identifier: GPL-2.0\xff\n").expression == "GPL-2.0"


def test_lowercase_tag_is_not_a_tag():
    assert extract_header(b"// spdx-license-identifier: MIT\n").expression is None
