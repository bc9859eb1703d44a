"""Property-based tests: header extraction, expression validation and the LICENSES/ parser never raise,
always give the same verdict for the same input, and keep the invariants spdxcheck.py's semantics imply.

Example counts are moderate (the suite stays fast); hypothesis keeps no database in the repository.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from tests.hardening.conftest import json_strings
from tui.cli import demo_tree
from tui.core.build import build_index
from tui.core.catalog import KNOWN_TAGS, load_catalog, parse_license_file
from tui.core.counting import FindingFilter
from tui.core.expressions import KnownIds, validate
from tui.core.headers import _LINE_CACHE, MAX_LINES, TAG_BYTES, extract_header
from tui.core.report import check_json, format_text, printable

# Hypothesis' caches go to /tmp, not to .hypothesis/ in the repository (which pytest would then warn about).
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "lictree-hypothesis"))
#: LICTREE_EXAMPLES=4000 for a long hunt (about 2 minutes); the default keeps the suite fast.
EXAMPLES = int(os.environ.get("LICTREE_EXAMPLES", "200"))
FAST = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=max(10, EXAMPLES // 5), deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

DEMO_CATALOG = load_catalog(demo_tree())
WITH_CATALOG = KnownIds(DEMO_CATALOG)
WITHOUT_CATALOG = KnownIds(None)
KNOWN = {"demo catalog": WITH_CATALOG, "SPDX list": WITHOUT_CATALOG}


# Header extraction ---------------------------------------------------------------------------------

HEAD_PIECES = [TAG_BYTES, b"SPDX-License-Identifier", b"\n", b"\r\n", b"\r", b"\0", b"*/", b"-->", b'LIST "',
               b"#}", b"{#", b"#!", b" ", b"\t", b"GPL-2.0", b"MIT", b" OR ", b" WITH ", b"(", b")", b":",
               b"\xef\xbb\xbf", b"\xff\xfe", b"\xc3\xa9", b"\x1b[31m", b"// ", b"/* ", b"# "]
heads = st.lists(st.one_of(st.sampled_from(HEAD_PIECES), st.binary(max_size=12)), max_size=80).map(b"".join)
many_lines = st.integers(0, 40).map(lambda n: b"\n" * n)


def first_tag_line(head: bytes) -> int | None:
    """The reference: spdxcheck's first line (split on \\n) among the first 15 that holds the tag."""
    for number, line in enumerate(head.split(b"\n")[:MAX_LINES], 1):
        if TAG_BYTES in line:
            return number
    return None


@FAST
@given(st.lists(st.one_of(heads, st.binary(max_size=600)), min_size=2, max_size=4))
def test_extract_header_never_raises_and_its_line_cache_changes_nothing(batch: list[bytes]):
    """Each head read with an empty cache equals the same head read after the others filled it."""
    fresh = []
    for head in batch:
        _LINE_CACHE.clear()
        fresh.append(extract_header(head))
    _LINE_CACHE.clear()
    for _ in range(2):
        assert [extract_header(head) for head in batch] == fresh


@FAST
@given(heads, st.binary(max_size=300).filter(lambda b: b"\0" not in b), st.binary(max_size=300))
def test_nothing_after_line_15_changes_the_header(head: bytes, tail: bytes, other: bytes):
    top = b"\n".join(head.split(b"\n")[:MAX_LINES]) + b"\n" * max(1, MAX_LINES - head.count(b"\n"))
    assert top.count(b"\n") >= MAX_LINES
    other = other.replace(b"\0", b"")
    assert extract_header(top + tail) == extract_header(top + other)


@FAST
@given(many_lines, heads, heads)
def test_extract_header_finds_the_first_tag_of_the_first_15_lines(padding: bytes, head: bytes, tail: bytes):
    data = padding + head + tail
    header = extract_header(data)
    assert header.line == first_tag_line(data)
    assert header.line is None or 1 <= header.line <= MAX_LINES
    assert all(header.line < line <= MAX_LINES for line in header.more_tags)
    if header.expression is None:
        return
    assert "\n" not in header.expression and header.expression == header.expression.strip()
    assert "SPDX-License-Identifier:" in header.raw


@FAST
@given(heads, st.binary(max_size=200))
def test_what_follows_line_15_never_changes_the_tag(head: bytes, more: bytes):
    data = head + b"\n" * MAX_LINES
    before, after = extract_header(data), extract_header(data + more)
    assert (before.expression, before.line, before.raw) == (after.expression, after.line, after.raw)


# Expression validation -----------------------------------------------------------------------------

TOKENS = ["GPL-2.0", "gpl-2.0+", "GPL-2.0-only", "MIT", "mit", "BSD-3-Clause", "Apache-2.0", "Linux-syscall-note",
          "GCC-exception-2.0", "AND", "and", "OR", "Or", "WITH", "with", "(", ")", " ", "\t", "+", ".", "-", "\n",
          "\0", "é", "\u202e", "[red]", "NOASSERTION", "LicenseRef-x", "DocumentRef-a:LicenseRef-b"]
loose_expressions = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=5)), max_size=25).map(" ".join)


def swap_ascii_case(text: str) -> str:
    return "".join(c.swapcase() if c.isascii() else c for c in text)


def _licenses_of(known: KnownIds) -> list[str]:
    if known.catalog is not None:
        return sorted(i for e in known.catalog.licenses.values() for i in e.ids)
    return sorted(known._spdx_keys()[0])[:400]


def _pairs_of(known: KnownIds) -> list[tuple[str, str]]:
    """(license, exception) pairs the exception allows."""
    if known.catalog is not None:
        return sorted((lic, e.ids[0]) for e in known.catalog.exceptions.values() for lic in e.exception_licenses
                      if known.is_license(lic.upper()))
    return [("GPL-2.0-only", "Linux-syscall-note"), ("GPL-2.0-or-later", "GCC-exception-2.0"), ("MIT", "Classpath-exception-2.0")]


def grammar(known: KnownIds) -> st.SearchStrategy[tuple[str, list[str]]]:
    """Expressions valid by construction (each operator in its own parentheses), with their license ids."""
    leaf = st.one_of(
        st.sampled_from(_licenses_of(known)).map(lambda i: (i, [i], False)),
        st.sampled_from(_pairs_of(known)).map(lambda p: (f"{p[0]} WITH {p[1]}", [p[0]], True)),
    )

    def combine(children: st.SearchStrategy) -> st.SearchStrategy:
        def join(a: tuple, op: str, b: tuple) -> tuple:
            wrap = lambda node: node[0] if not node[2] and " " not in node[0] else f"({node[0]})"  # noqa: E731
            return (f"{wrap(a)} {op} {wrap(b)}", a[1] + b[1], True)

        return st.builds(join, children, st.sampled_from(["AND", "OR", "and", "or"]), children)

    return st.recursive(leaf, combine, max_leaves=8).map(lambda node: (node[0], node[1]))


@FAST
@given(loose_expressions)
def test_validate_never_raises_is_deterministic_and_ignores_ascii_case(expression: str):
    for known in KNOWN.values():
        verdict = validate(expression, known)
        assert verdict == validate(expression, known)
        swapped = validate(swap_ascii_case(expression), known)
        assert (swapped.valid, swapped.message, swapped.column) == (verdict.valid, verdict.message, verdict.column)
        assert [i.upper() for i in swapped.licenses] == [i.upper() for i in verdict.licenses]
        if verdict.valid:
            assert verdict.message is None and verdict.error is None
            assert all(known.is_license(i.upper()) for i in verdict.licenses)
            assert all(known.is_exception(i.upper()) for i in verdict.exceptions)
        else:
            assert verdict.error and (verdict.column is None or 0 <= verdict.column <= len(expression))


@FAST
@given(st.data())
def test_grammar_expressions_are_valid_with_their_ids_in_order(data: st.DataObject):
    for known in KNOWN.values():
        expression, ids = data.draw(grammar(known))
        verdict = validate(expression, known)
        assert verdict.valid, (expression, verdict)
        assert list(verdict.licenses) == ids
        spaced = expression.replace(" ", data.draw(st.sampled_from(["  ", "\t", " \t "])))
        assert validate(spaced, known).valid
        assert validate(swap_ascii_case(expression), known).valid


# LICENSES/ parser ----------------------------------------------------------------------------------

TAG_LINES = [f"{tag}:" for tag in KNOWN_TAGS] + [f"{tag}: value" for tag in KNOWN_TAGS] + [
    "Valid-License-Identifier: GPL-2.0", "Valid-License-Identifier: GPL-2.0+", "SPDX-Exception-Identifier: X-note",
    "SPDX-Licenses: GPL-2.0, MIT", "SPDX-Licenses:", "Usage-Guide:", "  SPDX-License-Identifier: MIT", "\tindented",
    "", "License-Text:", "Unknown-Tag: x", "valid-license-identifier: lower", "\x00", "\ufeffValid-License-Identifier: B",
]
license_texts = st.lists(st.one_of(st.sampled_from(TAG_LINES), st.text(max_size=30)), max_size=30).map("\n".join)


def reference_ids(text: str) -> list[str]:
    """The oracle: non-empty identifier values, in order, up to the first License-Text/Exception-Text tag."""
    ids = []
    for line in text.splitlines():
        tag, colon, value = line.partition(":")
        if not colon or tag not in KNOWN_TAGS:
            continue
        if tag in ("License-Text", "Exception-Text"):
            break
        if tag in ("Valid-License-Identifier", "SPDX-Exception-Identifier") and value.strip():
            ids.append(value.strip())
    return ids


@FAST
@given(license_texts)
def test_parse_license_file_never_raises_and_reads_the_ids(text: str):
    entry, problems = parse_license_file(text, "LICENSES/preferred/X", "preferred")
    assert (entry, problems) == parse_license_file(text, "LICENSES/preferred/X", "preferred")
    assert entry.ids == reference_ids(text)
    assert (not entry.ids) == any("no Valid-License-Identifier" in p.message for p in problems)
    assert all(p.path == "LICENSES/preferred/X" and p.line >= 1 for p in problems)


FOLDERS = ["preferred", "dual", "deprecated", "exceptions", "other", "odd\x1bname", ""]
names = st.one_of(st.sampled_from([b"GPL-2.0", b"MIT", b"README", b".hidden", b"X-note", b"\xff\x1b[2J"]),
                  st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\0" not in b
                                                            and b not in (b".", b"..")))
contents = st.one_of(license_texts.map(str.encode), st.binary(max_size=300))
license_trees = st.lists(st.tuples(st.sampled_from(FOLDERS), names, contents), max_size=12)


def _write_licenses(root: str, files: list[tuple[str, bytes, bytes]]) -> None:
    base = os.path.join(os.fsencode(root), b"LICENSES")
    os.makedirs(base)
    for folder, name, content in files:
        directory = os.path.join(base, os.fsencode(folder)) if folder else base
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, name)
        if not os.path.isdir(path):
            with open(path, "wb") as handle:
                handle.write(content)


@SLOW
@given(license_trees)
def test_load_catalog_never_raises_and_is_deterministic(files: list[tuple[str, bytes, bytes]]):
    root = tempfile.mkdtemp(prefix="lictree-prop-")
    try:
        _write_licenses(root, files)
        first, second = load_catalog(root), load_catalog(root)
    finally:
        shutil.rmtree(root)
    assert first.fingerprint == second.fingerprint
    assert set(first.licenses) == set(second.licenses) and first.problems == second.problems
    assert all(key == key.upper() for key in first.licenses)
    for key, entry in first.licenses.items():
        assert key in {i.upper() for i in entry.ids} and not entry.is_exception
    for key, entry in first.exceptions.items():
        assert entry.is_exception and key == entry.ids[0].upper()


@SLOW
@given(license_trees, st.lists(st.tuples(names, contents), max_size=10))
def test_check_on_a_random_tree_never_raises_and_prints_only_printable_text(licenses, files):
    """The whole pipeline, end to end: random LICENSES/, random file names and contents."""
    root = tempfile.mkdtemp(prefix="lictree-prop-")
    try:
        _write_licenses(root, licenses)
        for name, content in files:
            path = os.path.join(os.fsencode(root), b"src", name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(content)
        index = build_index(root, use_cache=False)
        keep = FindingFilter()
        lines = list(format_text(index, keep))
        doc = check_json(index, keep)
        again = check_json(build_index(root, use_cache=False), keep)
    finally:
        shutil.rmtree(root)
    assert doc == again
    assert all(printable(line) == line for line in lines)
    assert all(printable(text) == text for text in json_strings(doc))
    assert len(doc["files"]) == len(index) >= len({n for n, _c in files})
    assert Path(doc["root"]).name.startswith("lictree-prop-")
