from pathlib import Path

import pytest

from tests.conftest import DEMO, write_tree
from tui.core.catalog import load_catalog
from tui.core.expressions import KnownIds, structure_lines, validate

KNOWN = KnownIds(load_catalog(str(DEMO)))


@pytest.mark.parametrize(
    "expression",
    [
        "GPL-2.0",
        "gpl-2.0+",
        "GPL-2.0 OR MIT",
        "gpl-2.0 or mit",
        "GPL-2.0 WITH Linux-syscall-note",
        "(GPL-2.0 WITH Linux-syscall-note) OR MIT",
        "((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)",
        "(GPL-2.0 OR MIT) AND BSD-3-Clause",
        "GPL-2.0+ WITH GCC-exception-2.0",
    ],
)
def test_valid(expression):
    verdict = validate(expression, KNOWN)
    assert verdict.valid, verdict.error


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("", "Unfinished license expression"),
        ("GPL-2.0-onyl", "Invalid License ID: GPL-2.0-onyl"),
        ("CC0-1.0", "Invalid License ID: CC0-1.0"),
        ("MIT WITH Linux-syscall-note", "Exception not valid for license MIT: Linux-syscall-note"),
        ("GPL-2.0 WITH Nope-note", "Invalid Exception ID: Nope-note"),
        # AND and OR are non-associative in spdxcheck's grammar.
        ("GPL-2.0 OR MIT OR BSD-3-Clause", "Syntax error: OR"),
        ("GPL-2.0 AND MIT OR BSD-3-Clause", "Syntax error: OR"),
        ("GPL-2.0 WITH Linux-syscall-note OR MIT", "Missing parentheses: OR"),
        ("GPL-2.0 #}", "Invalid token: #}"),
        ("GPL-2.0 OR", "Unfinished license expression"),
        ("(GPL-2.0", "Unfinished license expression"),
        ("GPL-2.0)", "Syntax error: )"),
        ("(GPL-2.0) WITH Linux-syscall-note", "Syntax error: WITH"),
        ("GPL-2.0 MIT", "Syntax error: MIT"),
    ],
)
def test_invalid_like_spdxcheck(expression, error):
    verdict = validate(expression, KNOWN)
    assert not verdict.valid
    assert verdict.error == error


def test_without_licenses_dir_ids_come_from_the_spdx_list(tmp_path: Path):
    write_tree(tmp_path, {}, licenses=False)
    known = KnownIds(load_catalog(str(tmp_path)))
    assert known.source.startswith("the SPDX license list")
    assert validate("CC0-1.0 OR GPL-2.0+", known).valid
    assert validate("GPL-2.0-only WITH Linux-syscall-note", known).valid
    assert validate("Not-A-License", known).error == "Invalid License ID: Not-A-License"


def test_structure_from_license_expression():
    lines = structure_lines("(GPL-2.0 WITH Linux-syscall-note) OR MIT")
    assert lines[0] == (0, "op", "OR")
    assert (1, "op", "WITH") in lines
    assert (2, "id", "GPL-2.0") in lines
    assert (2, "exception", "Linux-syscall-note") in lines
    assert (1, "id", "MIT") in lines
