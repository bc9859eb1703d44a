"""The C reader (tui/core/_fastread.c) finds exactly what the Python reader finds, and the outcomes
shared between files (read_columns, Context.evaluate_shared) are those each file would get on its own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DEMO, write_tree
from tui.core import scan
from tui.core.build import build_index
from tui.core.evaluate import Context, Outcome
from tui.core.headers import extract_header, header_from

fastread = scan._fastread
needs_c = pytest.mark.skipif(fastread is None, reason="the C reader is not built here")


@pytest.mark.skipif(bool(os.environ.get("LICTREE_PURE_PYTHON")), reason="the Python reader was asked for")
def test_the_c_reader_is_built_by_the_install():
    """pip install compiles it (optional, so that an install without a compiler still works): a
    build that silently fell back to Python would lose the cold-scan speed the benchmark reports."""
    assert fastread is not None, "tui/core/_fastread.c was not compiled: is a C compiler installed?"


# Heads and bodies made of the pieces that matter, in any order ----------------------------------

PIECES = [
    b"\n", b"\r\n", b"\r", b"\0", b"#!", b"#!/bin/sh\n", b"// ", b"/* ", b" */", b"# ", b"{# ", b" #}", b"-->",
    b"SPDX-License-Identifier:", b"SPDX-License-Identifier: GPL-2.0", b"SPDX-License-Identifier: MIT OR Apache-2.0",
    b" GPL-2.0 WITH Linux-syscall-note", b"LIST \"", b"\"", b":", b"x" * 700, b"\n" * 14, b"\xff\xfe",
    b"caf\xc3\xa9", b"MODULE_LICENSE", b"MODULE_LICENSE(\"GPL\")", b"MODULE_LICENSE ( \"Dual BSD/GPL\" )",
    b"MODULE_LICENSE(\"GPL\n\")", b"MODULE_LICENSE(\"caf\xe9\")", b"(", b")", b" \t",
]
blobs = st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=40)), max_size=60).map(b"".join)
#: Heads longer than one read, with few lines: the reader reads on (up to 15 lines or 256 KB).
long_blobs = st.tuples(blobs, st.integers(0, 9000), blobs).map(lambda t: t[0] + b"y" * t[1] + t[2])


def python_scan(data: bytes) -> tuple:
    header = extract_header(data)
    at = data.rfind(b"MODULE_LICENSE")
    return header, scan._module_licenses(data, at) if at >= 0 else ()


@needs_c
@settings(max_examples=600, deadline=None)
@given(st.one_of(blobs, long_blobs))
def test_the_c_search_finds_what_extract_header_finds(data: bytes):
    line, number, flags, more, modules = fastread.scan(data)
    assert (header_from(line, number, flags, more), modules) == python_scan(data)


@needs_c
def test_the_c_search_finds_module_license_at_every_offset_of_a_body():
    """The C search (SSE2, or AVX2 where the CPU has it: 16 or 32 positions at a time, then the rest) finds
    MODULE_LICENSE at any offset, at the very end, and not in a near miss or a name cut short."""
    text = b'MODULE_LICENSE("GPL");'
    for size in (len(text), 31, 32, 33, 47, 63, 64, 65, 95, 96, 97, 130):
        for at in range(0, max(1, size - len(text) + 1)):
            body = b"x" * at + text + b"y" * max(0, size - at - len(text))
            assert fastread.scan(body)[4] == python_scan(body)[1], (size, at)
            near = body.replace(b"MODULE_LICENSE", b"MODULE_LICENSX")
            assert fastread.scan(near)[4] == () == python_scan(near)[1]
        cut = b"z" * size + b"MODULE_LICENS"
        assert fastread.scan(cut)[4] == () == python_scan(cut)[1]


NAMES = ["a.c", "a.h", "run.sh", "Makefile", "Kconfig.debug", "x.rst", "b.S", "t.py", "data.bin", ".c", "noext",
         "include/uapi/linux/a.h", "tools/perf/tests/shell/t.sh", "d.x/Makefile", "m.1", "k.dts"]


@needs_c
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), data=st.one_of(blobs, long_blobs), trusted=st.booleans())
def test_the_c_reader_reads_what_the_python_reader_reads(tmp_path: Path, name: str, data: bytes, trusted: bool):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    got = fastread.read(str(path), trusted)
    assert got is not None
    assert scan.facts_from(got) == scan._read_facts(str(path), name, trusted, str(tmp_path), None)


@needs_c
def test_the_c_reader_leaves_what_is_not_a_plain_file_to_python(tmp_path: Path):
    (tmp_path / "a.c").write_bytes(b"// SPDX-License-Identifier: MIT\n")
    os.symlink("a.c", tmp_path / "link.c")
    os.mkfifo(tmp_path / "fifo")
    assert fastread.read(str(tmp_path / "a.c"), False) is not None
    assert fastread.read(str(tmp_path / "link.c"), False) is None  # Python checks where it points
    assert fastread.read(str(tmp_path / "link.c"), True) is None  # never followed
    assert fastread.read(str(tmp_path / "fifo"), False) is None  # never opened
    assert fastread.read(str(tmp_path / "gone.c"), True) is None  # Python says it vanished
    facts = scan.read_facts(str(tmp_path), "link.c")  # and the Python reader does the rest
    assert facts.header is not None and facts.header.expression == "MIT"


_shared: dict[str, Context] = {}
#: Heads of a few kinds, so that many examples share a tag line (and so an outcome) across names.
heads = st.builds(
    lambda shebang, blank, prefix, expr, suffix, tagged, rest: shebang + blank
    + (prefix + b"SPDX-License-Identifier: " + expr + suffix + b"\n" if tagged else b"") + b"".join(rest),
    st.sampled_from([b"", b"#!/bin/sh\n"]),
    st.sampled_from([b"", b"\n", b"# -*- coding: utf-8 -*-\n"]),
    st.sampled_from([b"// ", b"/* ", b"# ", b".. ", b"", b"<!-- ", b'.\\" ', b" * "]),
    st.sampled_from([b"GPL-2.0", b"MIT", b"GPL-2.0 WITH Linux-syscall-note", b"GPL-2.0+ OR MIT", b"Foo-1.0",
                     b"GPL-2.0 OR MIT AND BSD-3-Clause", b"(GPL-2.0", b"GPL-2.0-only OR BSD-2-Clause"]),
    st.sampled_from([b"", b" */", b" -->"]),
    st.booleans(),
    st.lists(st.sampled_from([b"int x;\n", b"// SPDX-License-Identifier: MIT\n", b'MODULE_LICENSE("GPL");\n',
                              b'MODULE_LICENSE("Dual BSD/GPL");\n', b'MODULE_LICENSE("Proprietary");\n',
                              b"\n" * 16 + b'MODULE_LICENSE("GPL v2");\n', b'MODULE_LICENSE("Dual MIT/GPL");\n']),
             max_size=3),
)


@needs_c
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), data=st.one_of(heads, heads, blobs))
def test_a_shared_outcome_is_the_one_the_file_gets_on_its_own(tmp_path_factory, name: str, data: bytes):
    """One Context a reader for every example, so outcomes are shared across files of other names and
    contents: by the C reader's keys (read_columns) and by the Python reader's (Context.evaluate_read)."""
    if "ctx" not in _shared:
        root = write_tree(tmp_path_factory.mktemp("shared"), {})
        _shared["root"] = root  # type: ignore[assignment]
        _shared["ctx"] = Context(str(root))
        _shared["python"] = Context(str(root))
    ctx, root = _shared["ctx"], _shared["root"]
    path = Path(root) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    got = fastread.read(str(path), True)
    assert got is not None
    codes, texts, numbers, found, pending, _marks, _edited = fastread.read_columns(str(root), [name], b"\1", ctx.shared, ctx.exempt,
                                                                  ctx.table)
    if pending:  # not known yet, or never shared: worked out as a scan does (and kept for the next examples)
        ((_at, share, raw),) = pending
        shared = ctx.evaluate_shared(name, share, raw)
    else:
        shared = Outcome(codes[0], texts[0], numbers[0], found.get(name, ()))
    own = ctx.evaluate(name, scan.facts_from(got))
    assert shared == own
    facts = scan._read_facts(str(path), name, True, str(root), None)
    assert _shared["python"].evaluate_read(name, facts) == own


def index_with(reader: str, root: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple]:
    """The records of *root* read by the C reader, the Python reader, or ("alone") the Python reader with
    every file worked out on its own (both readers share outcomes by the same rules.share_spec)."""
    from tui.core import rules

    with monkeypatch.context() as patch:
        if reader != "c":
            patch.setattr(scan, "_fastread", None)
        if reader == "alone":
            patch.setattr(rules, "share_spec", lambda fns=None: None)
        index = build_index(root, use_cache=False)
    return {r.path: (r.status, r.expression, r.line, r.findings) for r in index}


@needs_c
def test_both_readers_give_the_demo_tree_the_same_verdicts_and_findings(monkeypatch: pytest.MonkeyPatch):
    alone = index_with("alone", str(DEMO), monkeypatch)
    assert index_with("c", str(DEMO), monkeypatch) == alone
    assert index_with("python", str(DEMO), monkeypatch) == alone


@needs_c
@pytest.mark.skipif(not os.environ.get("LICTREE_KERNEL_TREE"), reason="set LICTREE_KERNEL_TREE to a kernel tree")
def test_both_readers_give_the_kernel_the_same_verdicts_and_findings(monkeypatch: pytest.MonkeyPatch):
    root = os.environ["LICTREE_KERNEL_TREE"]
    by_c, by_python = index_with("c", root, monkeypatch), index_with("python", root, monkeypatch)
    assert len(by_c) > 80_000
    assert by_c.keys() == by_python.keys()
    differ = [path for path in by_c if by_c[path] != by_python[path]]
    assert not differ, differ[:10]
    alone = index_with("alone", root, monkeypatch)  # and sharing gives each file its own outcome
    differ = [path for path in by_c if by_c[path] != alone[path]]
    assert not differ, differ[:10]


@needs_c
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents=st.one_of(
           st.lists(st.one_of(heads, heads, blobs), min_size=1, max_size=3),
           # one head, and bodies that differ only in their MODULE_LICENSE strings (C sources share keys by them)
           st.builds(lambda top, tails: [top + tail for tail in tails], heads,
                     st.lists(st.sampled_from([b"", b'MODULE_LICENSE("GPL");\n', b'MODULE_LICENSE("Dual MIT/GPL");\n',
                                               b'MODULE_LICENSE("Proprietary");\n', b'MODULE_LICENSE("GPL v2");\n']),
                              min_size=2, max_size=3))),
       files=st.lists(st.tuples(st.sampled_from(NAMES), st.integers(0, 2)), min_size=1, max_size=40))
def test_outcomes_shared_in_batches_are_those_each_file_gets_on_its_own(tmp_path_factory, contents, files):
    """Both readers share outcomes under keys made of what the rules read (e.g. the file name's extension:
    rules.placement.style_of looks no further): a tree of many files per name, read by both readers, gets
    the records each file gets on its own."""
    root = write_tree(tmp_path_factory.mktemp("tree"), {})
    for i, (name, pick) in enumerate(files):  # a few contents, so that files of other names share them
        data = contents[pick % len(contents)]
        folder, _, base = name.rpartition("/")
        path = root / folder / f"d{i}" / base if folder else root / f"d{i}" / base
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    monkeypatch = pytest.MonkeyPatch()
    try:
        alone = index_with("alone", str(root), monkeypatch)
        assert index_with("c", str(root), monkeypatch) == alone
        assert index_with("python", str(root), monkeypatch) == alone
    finally:
        monkeypatch.undo()


@needs_c
@given(st.lists(st.sampled_from(["a", "b.c", "Makefile", "Kconfig.x", "Kbuild", ".c", "x.y", "d.x", "1", "k.dts"]),
                min_size=1, max_size=3).map("/".join), st.booleans())
def test_the_c_name_key_decides_what_style_of_decides(path: str, shebang: bool):
    """Files whose names give the same name_key take the same comment style (so they may share outcomes);
    the Python reader's name_key is the C one."""
    from tui.core.rules import NAME_PREFIXES
    from tui.core.rules.placement import style_of

    prefixes = tuple(name.encode() for name in NAME_PREFIXES)
    ext, named = fastread.name_key(path, prefixes)
    assert scan.name_key(path, NAME_PREFIXES) == (ext.decode(), named)
    other = ("Makefile" if named else "zz") + (f".{ext.decode()}" if ext or "." in path.rpartition("/")[2][1:] else "")
    assert fastread.name_key(other, prefixes) == (ext, named)
    assert style_of(path, shebang) == style_of(other, shebang)


@needs_c
@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 131072, 300_000])
def test_a_c_source_of_any_length_is_read_whole(tmp_path: Path, size: int):
    """The C reader reads a C source in a first 64 KiB read, and sizes only a longer one: around that
    boundary, it still finds the MODULE_LICENSE at the very end, as the Python reader does."""
    tail = b'\nMODULE_LICENSE("GPL");\n'
    body = b"// SPDX-License-Identifier: GPL-2.0\n" + b"x" * max(0, size - 37 - len(tail)) + tail
    path = tmp_path / "big.c"
    path.write_bytes(body)
    facts = scan.facts_from(fastread.read(str(path), True))
    assert facts == scan._read_facts(str(path), "big.c", True, str(tmp_path), None)
    assert facts.modules and facts.modules[-1][1] == "GPL" and facts.body == body


@needs_c
def test_both_parsers_list_a_git_tree_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Listing.paths is parsed in C (the UI waits for it before its first frame): the same paths, keys and
    skipped entries as the Python parser, with a symlink, an edited file, a submodule, an untracked file,
    a name that is not UTF-8 and a path with three conflict stages."""
    import subprocess

    from tests.core.test_index import git, make_git_tree

    root = make_git_tree(tmp_path / "t", {"a.c": "int a;\n", "b/c.h": "int c;\n", "d.sh": "echo\n"})
    os.symlink("a.c", root / "link.c")
    (root / os.fsdecode(b"caf\xe9.c")).write_text("int e;\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "more")
    (root / "a.c").write_text("int a2;\n")  # edited: git no longer vouches for it
    (root / "new.c").write_text("int n;\n")  # untracked
    git(root, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},vendor/lib")
    blob = subprocess.run(["git", "-C", str(root), "hash-object", "-w", "d.sh"], capture_output=True, text=True,
                          check=True).stdout.strip()
    stages = "".join(f"100644 {blob} {stage}\tzz-conflict.c\n" for stage in (1, 2, 3))
    subprocess.run(["git", "-C", str(root), "update-index", "--index-info"], input=stages, text=True, check=True)

    def listed(reader: str) -> tuple:
        with monkeypatch.context() as patch:
            if reader == "python":
                patch.setattr(scan, "_fastread", None)
            listing = scan.list_files(str(root))
            return listing.paths, listing.keys, listing.skipped

    by_c, by_python = listed("c"), listed("python")
    assert by_c == by_python
    paths, keys, skipped = by_c
    assert paths.count("zz-conflict.c") == 1 and "new.c" in paths and "vendor/lib" not in paths
    assert skipped == [("vendor/lib", scan.SUBMODULE)]
    assert keys[paths.index("a.c")] == "" and keys[paths.index("link.c")] == "" and len(keys[paths.index("d.sh")]) == 40


_names = st.text(st.sampled_from(["a", "b", "/", ".", "é", "\udc80", "€", "\U0001f600", "z"]), min_size=0, max_size=6)


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(_names.filter(bool), unique=True, max_size=30), st.lists(_names, max_size=20))
def test_the_c_lookup_of_a_raw_column_finds_what_bisection_finds(entries: list[str], queries: list[str]):
    """A diff looks up paths in a tree's index cache (its path and key columns as written to disk: bytes joined
    by NUL, and their starts) in C, as the Python fallback does: any code point (a name not UTF-8 included),
    absent or empty paths alike."""
    from tui.core import cache

    raw = sorted(os.fsencode(e) for e in entries)
    names = [os.fsdecode(r) for r in raw]
    paths, path_starts = cache._raw_column("\0".join(names), len(names))
    keys, key_starts = cache._raw_column("\0".join(f"k{n}{e}" for n, e in enumerate(names)), len(names))
    asked = [os.fsencode(q) for q in queries]
    columns = [memoryview(paths), memoryview(path_starts), memoryview(keys), memoryview(key_starts)]
    found = fastread.find_sorted(*columns, asked)
    assert found == cache._find_sorted(*columns, asked, use_c=False)
    assert fastread.find_sorted(*columns, list(queries)) == found  # (a str as os.fsencode encodes it)
    assert cache._find_sorted(*columns, list(queries), use_c=False) == found
    assert found[0] == [raw.index(q) if q in raw else -1 for q in asked]
    for n, entry in enumerate(names):
        assert fastread.find_sorted(*columns, [raw[n]]) == ([n], [f"k{n}{entry}"])


@needs_c
def test_a_damaged_raw_column_is_an_error_not_a_crash():
    from tui.core import cache

    paths, starts = cache._raw_column("a\0b\0c", 3)
    keys, key_starts = cache._raw_column("k\0l\0m", 3)
    assert fastread.find_sorted(paths, starts, keys, key_starts, [b"b"]) == ([1], ["l"])
    bad = bytearray(starts)
    bad[8:16] = (1 << 40).to_bytes(8, sys.byteorder)  # a start past the data
    for args in [(paths, bytes(bad), keys, key_starts), (paths, starts[:-8], keys, key_starts),
                 (paths, starts[:-3], keys, key_starts), (paths, starts, keys[:-1], key_starts),
                 (paths, starts, *cache._raw_column("k\0l", 2))]:
        with pytest.raises(ValueError):
            fastread.find_sorted(*args, [b"b"])
