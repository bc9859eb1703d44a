"""Outcomes are shared between files by what the per-file rules declare they read (rules.Fact,
rules.share_spec): both readers make their keys from those declarations, so a rule that reads a new
fact changes the key (or turns sharing off) by itself, and files that differ only in a declared fact
keep their own verdicts and findings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tui.core import rules, scan
from tui.core.build import build_index
from tui.core.evaluate import Context
from tui.core.rules import GATES, KEY_PARTS, READS, RULES, UNSHARED_WHEN, Fact, ShareSpec, rule, share_spec

READERS = ["python", pytest.param("c", marks=pytest.mark.skipif(scan._fastread is None, reason="no C reader"))]
_real_spec = rules.share_spec


def records(root: Path, reader: str, monkeypatch: pytest.MonkeyPatch, share: bool = True,
            spec: Callable[[ShareSpec], ShareSpec] | None = None) -> dict[str, tuple]:
    """Every file's (status, expression, line, findings), read by *reader*; *share* False: each file worked
    out on its own; *spec*: how to change the key spec the rules make (a key that ignores a fact)."""
    with monkeypatch.context() as patch:
        if reader == "python":
            patch.setattr(scan, "_fastread", None)
        if not share:
            patch.setattr(rules, "share_spec", lambda fns=None: None)
        elif spec is not None:
            patch.setattr(rules, "share_spec", lambda fns=None: spec(_real_spec(fns)))  # type: ignore[misc]
        index = build_index(str(root), use_cache=False)
    return {r.path: (r.status, r.expression, r.line, r.findings) for r in index
            if not r.path.startswith("LICENSES/") and r.path != "COPYING"}


def _drop_part(fact: Fact, *more: Fact) -> Callable[[ShareSpec], ShareSpec]:
    bits = sum(KEY_PARTS[f] for f in (fact, *more))
    return lambda spec: spec._replace(parts=spec.parts & ~bits)


def _drop_unshared(fact: Fact) -> Callable[[ShareSpec], ShareSpec]:
    return lambda spec: spec._replace(unshared=spec.unshared & ~UNSHARED_WHEN[fact])


C = "// SPDX-License-Identifier: GPL-2.0\nint x;\n"
H = "/* SPDX-License-Identifier: GPL-2.0 */\n"
#: Two files (read in this order) that differ only in one fact a shipped rule declares it reads, and a
#: key spec that ignores that fact: with it, the second file would get the first one's outcome.
PAIRS: dict[str, tuple[dict[str, str], Callable[[ShareSpec], ShareSpec]]] = {
    "extension (NAME_STYLE)": ({"a/x.c": C, "b/x.h": C}, _drop_part(Fact.NAME_STYLE)),
    "Makefile/Kconfig/Kbuild name (NAME_STYLE)": ({"a/Kconfig.zz": C, "b/Xconfig.zz": C}, _drop_part(Fact.NAME_STYLE)),
    "MODULE_LICENSE strings": ({"a/x.c": C + 'MODULE_LICENSE("GPL");\n', "b/x.c": C + 'MODULE_LICENSE("Dual MIT/GPL");\n'},
                               _drop_part(Fact.MODULE_STRINGS)),
    "tag line number (TAG_NUMBER, HEADER_FLAGS)": ({"a/x.sh": "# SPDX-License-Identifier: GPL-2.0\n",
                                                   "b/x.sh": "#!/bin/sh\n# SPDX-License-Identifier: GPL-2.0\n"},
                                                  _drop_part(Fact.TAG_NUMBER, Fact.HEADER_FLAGS)),
    "uapi/ path (PATH, gate path:uapi/)": ({"include/linux/x.h": H, "include/uapi/linux/x.h": H},
                                           lambda spec: spec._replace(paths=())),
    "a second tag (MORE_TAGS)": ({"a/x.c": C, "b/x.c": C.replace("int x;", "// SPDX-License-Identifier: MIT")},
                                 _drop_unshared(Fact.MORE_TAGS)),
    "the lines above a misplaced tag (MISPLACED_HEAD)": (
        {"a/x.py": "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# SPDX-License-Identifier: GPL-2.0\n",
         "b/x.py": "#!/usr/bin/env python\n\n# SPDX-License-Identifier: GPL-2.0\n"},
        _drop_unshared(Fact.MISPLACED_HEAD)),
    "where MODULE_LICENSE sits (MODULE_OFFSETS)": (
        {"a/x.c": C + 'MODULE_LICENSE("Proprietary");\n', "b/x.c": C + '\n\nMODULE_LICENSE("Proprietary");\n'},
        lambda spec: spec._replace(unshared_rules=frozenset())),
}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("pair", PAIRS)
def test_files_that_differ_only_in_a_declared_fact_keep_their_own_outcomes(tmp_path: Path, monkeypatch, reader, pair):
    files, ignore_the_fact = PAIRS[pair]
    root = write_tree(tmp_path, files)
    own = records(root, reader, monkeypatch, share=False)
    first, second = own
    assert own[first] != own[second]  # the fact decides something here
    assert records(root, reader, monkeypatch) == own
    # The same scan with a key that ignores the fact: the second file gets the first one's outcome.
    assert records(root, reader, monkeypatch, spec=ignore_the_fact) == {first: own[first], second: own[first]}


def test_the_shipped_rules_share_outcomes():
    """Every per-file check declares what it reads (else a cold scan would work out all 87,000 files)."""
    spec = share_spec()
    assert spec is not None
    assert all(READS.get(fn) for fn in rules.per_file_checks())
    assert spec.paths == ("uapi/",)
    assert spec.parts & KEY_PARTS[Fact.NAME_STYLE] and spec.parts & KEY_PARTS[Fact.MODULE_STRINGS]
    assert not spec.parts & KEY_PARTS[Fact.SIZE]  # no rule reads it: files of any size share
    assert spec.unshared_rules == {"LT500", "LT501", "LT502", "LT503"}


@pytest.fixture
def registry() -> Iterator[None]:
    """Rules registered by a test are gone after it."""
    saved = dict(RULES), dict(GATES), dict(READS)
    yield
    for table, before in zip((RULES, GATES, READS), saved):
        table.clear()
        table.update(before)  # type: ignore[attr-defined]


def _register(reads: tuple, check: Callable, when: str | None = None) -> None:
    rule("LT990", "test-rule", "info", "A rule a test adds.", "tests", when=when, reads=reads)(check)


def _big(ctx: Context, path: str, facts: scan.Facts, verdict) -> Iterator:
    if facts.size > 64:
        yield RULES["LT990"].finding(None, f"{facts.size} bytes")


@pytest.mark.parametrize("reader", READERS)
def test_a_rule_reading_a_new_fact_puts_it_in_the_key(tmp_path: Path, monkeypatch, registry, reader: str):
    """A rule that reads the file's size (Fact.SIZE, which no shipped rule reads): the key holds the size
    now, in both readers, and two files that differ only in their size keep their own findings."""
    before = share_spec()
    _register((Fact.SIZE,), _big)
    after = share_spec()
    assert before is not None and after is not None
    assert after.parts == before.parts | KEY_PARTS[Fact.SIZE]
    root = write_tree(tmp_path, {"a/x.c": C, "b/x.c": C + "\n" * 80})
    got = records(root, reader, monkeypatch)
    assert got == records(root, reader, monkeypatch, share=False)
    assert [f.rule for f in got["a/x.c"][3]] == [] and [f.rule for f in got["b/x.c"][3]] == ["LT990"]
    # and the key that ignores it would be wrong: the test sees the key follow the declaration
    assert records(root, reader, monkeypatch, spec=_drop_part(Fact.SIZE)) != got


@pytest.mark.skipif(scan._fastread is None, reason="no C reader")
def test_both_readers_put_a_declared_fact_in_their_keys(tmp_path: Path, registry):
    """The C reader's key (from Context.table) and the Python reader's (Context.share_key) hold the same
    parts: with Fact.SIZE declared, both keys end with the size read, and the sizes tell the files apart."""
    _register((Fact.SIZE,), _big)
    root = write_tree(tmp_path, {"a/x.c": C, "b/x.c": C + "\n" * 80})
    ctx = Context(str(root))
    fastread = scan._fastread
    *_columns, pending, _marks, _edited = fastread.read_columns(str(root), ["a/x.c", "b/x.c"], b"\1\1", {}, ctx.exempt, ctx.table)
    c_keys = [share for _i, share, _raw in pending]
    py_keys = [ctx.share_key(p, scan._read_facts(str(root / p), p, True, str(root), None)) for p in ("a/x.c", "b/x.c")]
    for keys in (c_keys, py_keys):
        assert [key[-1] for key in keys] == [len(C), len(C) + 80]
        assert keys[0][:-1] == keys[1][:-1]
    assert [len(key) for key in c_keys] == [len(key) for key in py_keys]


def _line_three(ctx: Context, path: str, facts: scan.Facts, verdict) -> Iterator:
    lines = facts.body.split(b"\n")
    if len(lines) > 2 and b"TODO" in lines[2]:
        yield RULES["LT990"].finding(3, "TODO on line 3")


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("reads", [("line-3",), (), (Fact.HEAD,), (Fact.PATH,)],
                         ids=["an unknown fact", "nothing", "HEAD", "PATH without a path gate"])
def test_a_rule_reading_what_no_key_holds_turns_sharing_off(tmp_path: Path, monkeypatch, registry, reader, reads):
    """A rule that reads line 3 and declares a fact the key spec does not know (or nothing, or the whole
    head, or the path of every file): no outcome is shared, so files that differ only on line 3 keep
    their own findings."""
    _register(reads, _line_three)
    assert share_spec() is None
    assert not Context(str(write_tree(tmp_path / "t", {}))).shares
    root = write_tree(tmp_path / "tree", {"a/x.c": C + "int y;\n", "b/x.c": C + "// TODO\n"})
    got = records(root, reader, monkeypatch)
    assert [f.rule for f in got["a/x.c"][3]] == [] and [f.rule for f in got["b/x.c"][3]] == ["LT990"]


def test_a_path_gated_rule_leaves_the_files_it_is_called_for_unshared(registry):
    _register((Fact.PATH, Fact.TAG_LINE), _big, when="path:drivers/")
    spec = share_spec()
    assert spec is not None and spec.paths == ("uapi/", "drivers/")


@pytest.mark.skipif(scan._fastread is None, reason="no C reader")
def test_the_c_reader_refuses_a_key_part_it_does_not_know(tmp_path: Path):
    """A fact given a key bit in Python but not in _fastread.c must not make keys without it."""
    root = write_tree(tmp_path, {"x.c": C})
    with pytest.raises(ValueError, match="does not know"):
        scan._fastread.read_columns(str(root), ["x.c"], b"\1", {}, {}, (1 | 64, 0, (), ()))
