"""git's ``ls-files -s -z`` records: the C parser and its Python twin give the same columns, for what
git writes and for what it never writes (short or tab-less records, empty paths, stray bytes)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core import scan

fastread = pytest.importorskip("tui.core._fastread", reason="the C reader is not built")

BLOB = "0123456789abcdef0123456789abcdef01234567"
PIECES = [f"100644 {BLOB} 0\t", f"120000 {BLOB} 0\t", f"160000 {BLOB} 0\t", f"100755 {BLOB} 2\t",
          "\t", "100644\t", "1006\t", "abc", "a.c", "dir/b.h", "é", "\0", "\0", " ", "\udcff"]


def both(raw: bytes, dirty: frozenset[bytes] = frozenset()) -> tuple:
    return fastread.parse_git(raw, dirty), scan._parse_git(raw, dirty)


def test_a_record_with_fewer_than_8_bytes_before_the_tab_is_left_out_by_both():
    raw = f"100644 {BLOB} 0\ta.c\0".encode() + b"1006\tshort.c\0" + b"\tempty-meta.c\0" + b"no tab at all\0"
    c, python = both(raw)
    assert c == python
    assert c[0] == ["a.c"]


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), st.sets(st.sampled_from([b"a.c", b"dir/b.h"])))
def test_the_c_and_python_parsers_agree_on_any_bytes(text: str, dirty: set[bytes]):
    raw = text.encode("utf-8", "surrogateescape")
    c, python = both(raw, frozenset(dirty))
    assert (c[0], c[1], bytes(c[2]), c[3]) == (python[0], python[1], bytes(python[2]), python[3])
