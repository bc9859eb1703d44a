"""The licence notice in a file's leading comments (tui.core.notices): what a user sees as the
licence an untagged file's notice grants, matched with ScanCode's rules as data."""

from __future__ import annotations

import importlib.util
import os
import random
import sys
import time
from array import array
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tui.core.catalog import load_catalog
from tui.core.notices import index as notices_index
from tui.core.notices.match import HEAD_BYTES, find_notice, needs_matching

MIT = """Permission is hereby granted, free of charge, to any person obtaining a
copy of this software and associated documentation files (the "Software"),
to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.  IN NO EVENT SHALL
THE COPYRIGHT HOLDER(S) OR AUTHOR(S) BE LIABLE FOR ANY CLAIM, DAMAGES OR
OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE,
ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR
OTHER DEALINGS IN THE SOFTWARE."""

BSD3 = """Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions
are met:
1. Redistributions of source code must retain the above copyright
   notice, this list of conditions and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright
   notice, this list of conditions and the following disclaimer in the
   documentation and/or other materials provided with the distribution.
3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE
LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
POSSIBILITY OF SUCH DAMAGE."""

GPL2_PLUS = """This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation; either version 2 of the License, or
(at your option) any later version.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU General Public License for more details."""

GPL2_ONLY = """This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License version 2 as
published by the Free Software Foundation."""


def c_file(notice: str, before: str = "Copyright (C) 2024 Somebody <some@body.org>\n\n") -> bytes:
    lines = (before + notice).splitlines()
    return ("/*\n" + "".join(f" * {line}".rstrip() + "\n" for line in lines) + " */\n\n#include <x.h>\n"
            "int x;\n").encode()


@pytest.fixture(scope="module")
def idx(tmp_path_factory: pytest.TempPathFactory) -> notices_index.Index:
    """The rule index, built once for this module the way a first run builds it (in a child process,
    into the cache directory, atomically), then loaded from there."""
    cache = tmp_path_factory.mktemp("notices-cache")
    saved_env, saved_loaded = os.environ.get("XDG_CACHE_HOME"), notices_index._loaded
    saved_dir = os.environ.pop(notices_index.INDEX_DIR_ENV, None)  # into the cache directory, as a user's
    os.environ["XDG_CACHE_HOME"] = str(cache)
    notices_index._loaded = None
    try:
        seen: list[tuple[str, int, int]] = []
        built = notices_index.get_index(progress=lambda what, done, total: seen.append((what, done, total)))
        assert seen, "the build reported no progress"
        files = sorted(p.name for p in (cache / "lictree").iterdir())
        assert len(files) == 1 and files[0].startswith("notices-"), files  # no temporary file left behind
        notices_index._loaded = None
        again = notices_index.get_index()
        assert again is not built and again.rule_ids == built.rule_ids  # the second run loads the saved index
        return again
    finally:
        if saved_env is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = saved_env
        notices_index._loaded = saved_loaded
        if saved_dir is not None:
            os.environ[notices_index.INDEX_DIR_ENV] = saved_dir


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("tree")
    write_tree(root, {})
    return load_catalog(str(root))


def notice_of(data: bytes, idx, catalog=None, path: str = "drivers/x/file.c"):
    return find_notice(data, path, catalog, idx)


def test_the_mit_grant_text_is_mit_with_its_lines(idx, catalog):
    notice = notice_of(c_file(MIT), idx, catalog)
    assert notice is not None and notice.expression == "MIT"
    assert (notice.line, notice.end_line) == (4, 20)  # the grant's first and last lines, not the copyright
    assert notice.score == 100 and notice.rule.endswith((".RULE", ".LICENSE"))


def test_the_bsd_3_clause_text(idx, catalog):
    notice = notice_of(c_file(BSD3), idx, catalog)
    assert notice is not None and notice.expression == "BSD-3-Clause"


def test_gpl_2_or_any_later_version(idx, catalog):
    notice = notice_of(c_file(GPL2_PLUS), idx, catalog)
    assert notice is not None and notice.expression == "GPL-2.0-or-later" and notice.score >= 90


def test_gpl_version_2_only(idx, catalog):
    notice = notice_of(c_file(GPL2_ONLY), idx, catalog)
    assert notice is not None and notice.expression == "GPL-2.0-only"


def test_version_2_and_no_later_version_is_not_or_later(idx, catalog):
    text = GPL2_ONLY.replace("version 2 as\npublished by the Free Software Foundation.",
                             "as published by the Free\nSoftware Foundation version 2 and no later version.")
    notice = notice_of(c_file(text), idx, catalog)
    assert notice is not None and notice.expression == "GPL-2.0-only"


@pytest.mark.parametrize(("text", "expected"), [
    ("Dual BSD/GPL", "BSD-3-Clause OR GPL-2.0-only"),
    ("Licensed under the GPL-2 or later.", "GPL-2.0-or-later"),
    ("This file is released under the GPLv2.", "GPL-2.0-only"),
])
def test_short_references(idx, catalog, text, expected):
    notice = notice_of(f"/*\n * Frobnicator support.\n *\n * {text}\n */\nint x;\n".encode(), idx, catalog)
    assert notice is not None and notice.expression == expected and notice.line == notice.end_line == 4


COPYING_NOTICE = """This file is subject to the terms and conditions of the GNU General Public
License.  See the file "COPYING" in the main directory of this archive
for more details."""


def test_copying_in_the_main_directory_is_the_trees_copying_licence(idx, catalog, tmp_path):
    assert notice_of(c_file(COPYING_NOTICE), idx, catalog).expression == "GPL-2.0-only"
    # it is the tree's COPYING that decides: a tree whose COPYING is MIT gets MIT
    write_tree(tmp_path, {"COPYING": "SPDX-License-Identifier: MIT\n"})
    assert notice_of(c_file(COPYING_NOTICE), idx, load_catalog(str(tmp_path))).expression == "MIT"


def test_an_unversioned_gpl_is_gpl_2_as_module_h_reads_it(idx, catalog):
    notice = notice_of(b"/* This driver is licensed under the GPL. */\nint x;\n", idx, catalog)
    assert notice is not None and notice.expression == "GPL-2.0-only"


def test_ids_are_spelled_as_the_tree_spells_them(idx, tmp_path):
    """A 4.19-like LICENSES/ knows GPL-2.0+ but not GPL-2.0-or-later."""
    write_tree(tmp_path, {"LICENSES/preferred/GPL-2.0": "Valid-License-Identifier: GPL-2.0\n"
                          "Valid-License-Identifier: GPL-2.0+\nLicense-Text:\nGPL\n"})
    old = load_catalog(str(tmp_path))
    assert notice_of(c_file(GPL2_PLUS), idx, old).expression == "GPL-2.0+"
    assert notice_of(c_file(GPL2_ONLY), idx, old).expression == "GPL-2.0"


def test_reflowed_lines_and_typos_still_match(idx, catalog):
    text = ("This program is free software; you can redistribute it and/or modify it under the terms of\n"
            "the GNU General Public Licence as published by the Free Software\n"
            "Foundaton; either version 2 of the License, or (at your option) any later version.\n"
            "This program is distributed in the hope that it will be usefull, but WITHOUT ANY WARRANTY;\n"
            "without even the implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.")
    notice = notice_of(c_file(text), idx, catalog)
    assert notice is not None and notice.expression == "GPL-2.0-or-later"
    assert 50 <= notice.score < 100


def test_gpl_text_with_mit_text_is_a_choice(idx, catalog):
    text = GPL2_ONLY + "\n\nAlternatively, this file may be distributed under the terms of the MIT license:\n\n" + MIT
    notice = notice_of(c_file(text), idx, catalog)
    assert notice is not None
    assert set(notice.expression.split(" OR ")) == {"GPL-2.0-only", "MIT"}


def test_slash_slash_comments_and_hash_comments(idx, catalog):
    data = ("// Copyright 2024 X\n//\n" + "".join(f"// {line}\n" for line in GPL2_ONLY.splitlines()) + "int x;\n")
    assert notice_of(data.encode(), idx, catalog).expression == "GPL-2.0-only"
    script = "#!/bin/sh\n" + "".join(f"# {line}\n" for line in GPL2_ONLY.splitlines()) + "echo hi\n"
    assert notice_of(script.encode(), idx, catalog, path="scripts/x.sh").expression == "GPL-2.0-only"


def test_no_licence_words_no_notice(idx, catalog):
    data = b"/*\n * Frobnicator support for the foo bus.\n * Written by somebody.\n */\nint x;\n"
    assert notice_of(data, idx, catalog) is None
    assert not needs_matching(data, tagged=False)


def test_only_the_leading_comments_count(idx, catalog):
    data = b"/* Frobnicator. */\nint x;\n" + c_file(GPL2_PLUS)
    assert notice_of(data, idx, catalog) is None


def test_the_tag_line_is_not_a_notice(idx, catalog):
    data = b"// SPDX-License-Identifier: MIT\n/* Frobnicator. */\nint x;\n"
    assert notice_of(data, idx, catalog) is None
    assert not needs_matching(data, tagged=True)
    assert needs_matching(b"// SPDX-License-Identifier: MIT\n" + c_file(MIT), tagged=True)


def test_non_utf8_bytes_in_a_notice(idx, catalog):
    data = c_file(GPL2_PLUS, before="Copyright (C) 2001 J\xf6rg\n\n").replace("Jörg".encode(), b"J\xf6rg\xff")
    notice = notice_of(data, idx, catalog)
    assert notice is not None and notice.expression == "GPL-2.0-or-later"


#: The bound stated in tui/core/notices/match.py: about 50 ms a file at most on an idle machine; the
#: assertions leave room for a busy one.
BOUND = 2.0


@pytest.mark.parametrize("name", ["binary", "huge comment", "unclosed comment", "10000 repetitions",
                                  "repetitions of a whole notice", "one huge line", "random bytes"])
def test_bad_input_is_bounded_and_raises_nothing(idx, catalog, name):
    rng = random.Random(13)
    data = {
        "binary": b"\x7fELF\0\0\0" + c_file(GPL2_PLUS),
        "huge comment": b"/*\n" + b" * some words of a comment that goes on, the license\n" * 200_000 + b" */\n",
        "unclosed comment": b"/*\n * " + GPL2_PLUS.encode() + b"\n" + b" * and on\n" * 100_000,
        "10000 repetitions": b"/*\n" + b" * Licensed under the GPL-2 or later\n" * 10_000 + b" */\n",
        "repetitions of a whole notice": c_file((GPL2_PLUS + "\n") * 400),
        "one huge line": b"/* " + b"GPL license permission redistribute " * 300_000 + b"*/\n",
        "random bytes": b"/* license " + bytes(rng.randrange(1, 256) for _ in range(1 << 20)),
    }[name]
    started = time.perf_counter()
    notice = notice_of(data, idx, catalog)
    spent = time.perf_counter() - started
    assert spent < BOUND, f"{name}: {spent:.2f} s"
    if name == "binary":
        assert notice is None
    if name in ("10000 repetitions", "repetitions of a whole notice"):
        assert notice is not None and notice.expression == "GPL-2.0-or-later"
        assert notice.end_line <= 200  # only the head is read


def test_saved_index_of_another_version_or_corrupt_is_not_used(idx, tmp_path):
    path = tmp_path / "index.pickle"
    notices_index.save(idx, str(path))
    assert notices_index.load(str(path), idx.version) is not None
    assert notices_index.load(str(path), "another version") is None
    path.write_bytes(b"not a pickle")
    assert notices_index.load(str(path), idx.version) is None
    assert [p.name for p in tmp_path.iterdir()] == ["index.pickle"]


KERNEL = os.environ.get("LICTREE_KERNEL_TREE", "")


@pytest.mark.skipif(not KERNEL, reason="LICTREE_KERNEL_TREE is not set")
def test_kernel_sample_rates(idx):
    """On a sample of the real tree's .c/.h files, sorted as shared/kernel/notice-cases sorts them:
    (b) >= 97% of untagged files with a grant phrase and (c) >= 75% of those with short references get
    a notice; (e) <= 1% of those without a licence word do."""
    benchmarks = Path(__file__).parent.parent / "benchmarks"
    spec = importlib.util.spec_from_file_location("bench_notices", benchmarks / "bench_notices.py")
    bench = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(benchmarks))  # for its _measure import
    try:
        spec.loader.exec_module(bench)
    finally:
        sys.path.remove(str(benchmarks))
    files = bench.git_files(KERNEL, "*.c", "*.h")
    cases = bench.sort_cases(KERNEL, random.Random(2026).sample(files, min(len(files), 6000)))
    catalog = load_catalog(KERNEL)

    def rate(group: str) -> float:
        rows = cases[group][:400]
        assert rows, group
        found = sum(find_notice(bench.read(KERNEL, rel, HEAD_BYTES) or b"", rel, catalog, idx) is not None
                    for rel in rows)
        return found / len(rows)

    assert rate("untagged_with_grant_phrase") >= 0.97
    assert rate("reference_only_untagged") >= 0.75
    assert rate("clean_untagged") <= 0.01


def test_missing_rule_data_says_so(monkeypatch):
    import importlib.util

    from tui.core.notices import data

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(data.NoticeDataMissing, match="licensedcode-data"):
        data.data_dir()


def test_json_shapes_of_a_notice_and_the_effective_licence(idx, catalog):
    from tui.core.notices.notice import effective

    notice = notice_of(c_file(MIT), idx, catalog)
    assert notice.as_json() == {"expression": "MIT", "line": 4, "end_line": 20, "score": 100, "rule": notice.rule}
    default = "GPL-2.0 WITH Linux-syscall-note"
    assert effective("GPL-2.0", notice, default) == {"expression": "GPL-2.0", "source": "tag"}
    assert effective(None, notice, default) == {"expression": "MIT", "source": "notice"}
    assert effective(None, None, default) == {"expression": default, "source": "copying"}
    assert effective(None, None, None) is None


def _comment_ids(data: bytes, path: str = "drivers/x/file.c") -> list[int]:
    from tui.core.notices import match

    return match.comment_ids(match.leading_comments(data, path))[0]


@pytest.mark.skipif(importlib.util.find_spec("tui.core.notices._fastmatch") is None,
                    reason="the C extension is not built")
def test_the_c_scanner_finds_what_the_python_loops_find(idx):
    """_fastmatch.Scanner.scan and match._scan_python: the same short rules, candidates and anchors,
    and comment letters that agree with each candidate's letters where the token ids agree."""
    from tui.core.notices import match

    scanner = match._scanner(idx)
    assert scanner, "the C scanner was not made (a tuple hash unlike Python's?)"
    rng = random.Random(7)
    comments = [_comment_ids(c_file(text)) for text in (MIT, BSD3, GPL2_PLUS, GPL2_ONLY, GPL2_ONLY + "\n" + MIT)]
    comments += [ids * 30 for ids in comments[:2]] + [rng.sample(ids, len(ids)) for ids in comments] + [[], [1]]
    # noisy copies: words dropped, swapped, repeated (LCS lengths of every kind), long rules over 64 words
    for ids in comments[:5]:
        for _ in range(6):
            noisy = [i for i in ids if rng.random() > 0.15]
            noisy = [rng.choice(ids) if rng.random() < 0.1 else i for i in noisy]
            comments.append(noisy[: rng.randint(len(noisy) // 2, len(noisy))] + noisy * rng.randint(0, 1))
    for ids in comments:
        shorts, candidates, text = scanner.scan(ids)
        found, expected, expected_text = match._scan_python(ids, idx)
        assert [(m.rule, m.start, m.end) for m in found] == [tuple(s) for s in shorts]
        assert candidates == expected
        for rule, _anchor in candidates:
            ours, theirs = scanner.rule_text(rule), idx.rule_text(rule)
            assert [ours.find(c) for c in text] == [theirs.find(c) for c in expected_text]
        # the scored form: each candidate's LCS with its window (rapidfuzz's in Python), filtered, ordered
        assert scanner.scan(ids, True)[1] == match._scored(expected, expected_text, len(ids), idx)
        assert scanner.scan(array("I", ids), True) == scanner.scan(array("I", ids).tobytes(), True)


def test_the_python_loops_give_the_same_notices(idx, catalog, monkeypatch):
    """Without the C extension (the index has no scanner) the notices are the same."""
    from tui.core.notices import match

    datas = [c_file(MIT), c_file(BSD3), c_file(GPL2_PLUS), c_file(GPL2_ONLY + "\n\nAlternatively, MIT:\n\n" + MIT)]
    with_c = [notice_of(data, idx, catalog) for data in datas]
    monkeypatch.setattr(idx, "scanner", False)
    monkeypatch.setattr(match, "_cache", {})
    assert [notice_of(data, idx, catalog) for data in datas] == with_c


@pytest.mark.parametrize(("data", "expected"), [
    (b"/* a\n * b\n * c */ /* d\n e */\nint x;\n/* not leading */\n",
     [(1, " a"), (2, " * b"), (3, " * c "), (3, " d"), (4, " e ")]),
    (b"// one\n\n#include <x.h>\n/*\n two */ three\n", [(1, " one"), (4, ""), (5, " two ")]),
    (b"/*\n" + b" * open\n" * 300, [(1, "")] + [(n, " * open") for n in range(2, 201)]),
    (b"/**/\n/*/ x */\n", [(1, ""), (2, "/ x ")]),
    (b"/* a */\n", [(1, " a "), ]),
    (b"/* a\n", [(1, " a"), (2, "")]),
])
def test_leading_comments_lines(data, expected):
    """The lines of block comments are taken whole up to the closing one, within the first 200 lines."""
    from tui.core.notices.match import leading_comments

    assert leading_comments(data, "x.c") == expected


def test_comment_lines_are_memoised_with_their_ids():
    from tui.core.notices import match

    data = c_file(GPL2_PLUS)
    first = match.comment_ids(match.leading_comments(data, "x.c"))
    assert match.comment_ids(match.leading_comments(data, "x.c")) == first
    ids, marks, numbers = first
    assert numbers[0] == 4 and match.line_of(len(ids) - 1, marks, numbers) == 12  # the copyright line is left out


@pytest.mark.parametrize(("text", "named"), [("see COPYING in the main directory", True),
                                             ("see COPY\u0130NG", True), ("see copy\u0131ng", True),
                                             ("a copy of the GNU General Public License", False)])
def test_copying_may_be_named_as_the_regex_reads_it(text, named):
    from tui.core.notices import kernel

    assert kernel._may_name_copying(text) is named
    if not named:
        assert kernel._COPYING_RE.search(text) is None


#: Pieces of comment heads for the C reader's tests: markers, ASCII and Unicode spaces, invalid UTF-8,
#: the letters re.I folds (dotted and dotless I, Kelvin, long s), non-ASCII digits, the skipped lines.
_PIECES = [b"/*", b"*/", b"//", b"#", b"#!", b"\n", b"\r\n", b" ", b"\t", b"\x0b", b"\x1c", b"\xc2\xa0", b"\xc2\x85",
           b"\xe2\x80\x80", b"\xe3\x80\x80", b"\xe2\x80\xa8", b"\xff", b"\xc3", b"\xe2\x80", b"\xc3\xa9", b"\xc4\xb0",
           b"\xc4\xb1", b"\xe2\x84\xaa", b"\xc5\xbf", b"\xc2\xa9", b";", b"--", b"-", b"%", b"..", b".", b"!", b"+", b"++",
           b"_", b"(c)", b"(C)", b"((c)", b"( c)", b"Copyright", b"copyright", b"COPYRIGHT_", b"copyrights",
           b"SPDX-License-Identifier:", b"spdx-license-identifier", b"Spdx-License-IDENTIFIER", b"GPL-2.0+", b"gpl",
           b"License", b"licence", b"LICENS", b"permission", b"public domain", b"public  domain", b"Free Software",
           b"warranty", b"redistribute", b"x", b"Foo", b"123", b"a1+b2", b"c++", b"\xef\xbc\x91", b"\xd9\xa3", b"\xc2\xb2",
           b"\xe2\x85\xa0", b"int x;", b"*", b"**", b"=", b"\\", b'"']


def _heads(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    heads = [b"".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 60))) for _ in range(count)]
    heads += [b"/*" + bytes(rng.randrange(1, 256) for _ in range(rng.randint(0, 200))) for _ in range(count // 4)]
    heads += [b"// " + bytes(rng.randrange(1, 128) for _ in range(rng.randint(0, 200))) for _ in range(count // 4)]
    heads += [c_file(text) for text in (MIT, BSD3, GPL2_PLUS, GPL2_ONLY)]
    heads += [b"/*\n" + b" * GPL licence text\n" * 500, b"/* GPL " + b"word " * 5000 + b"*/", b"# GPL\n" * 300,
              b"/* GPL \0 */", b"\xef\xbb\xbf/* GPL */"]
    return heads


@pytest.mark.skipif(importlib.util.find_spec("tui.core.notices._fastmatch") is None,
                    reason="the C extension is not built")
def test_the_c_reader_reads_the_comments_and_ids_python_reads():
    """_fastmatch.leading_comments and comment_ids against the Python walk and tokenizer (TOKEN_RE), on
    Unicode spaces and letters, invalid UTF-8, the skipped lines, every comment style, the bounds."""
    from array import array

    from tui.core.notices import _fastmatch, match

    for head in _heads(11, 800):
        head = head[:HEAD_BYTES]
        for path in ("a.c", "Makefile", "x.txt", "README"):
            style = match._STYLES[match._style(path)]
            comments = match._leading_comments_python(head, path)
            assert _fastmatch.leading_comments(head, style, match.HEAD_LINES) == comments, (head, path)
            got = _fastmatch.comment_ids(head, style, match.HEAD_LINES, match.MAX_TOKENS, match.line_ids)
            if b"\0" in head:
                assert got is None and comments == []
                continue
            ids, marks, numbers = match.comment_ids(comments)
            raw, key, their_marks, their_numbers = got
            assert (list(array("I", raw)), their_marks, their_numbers) == (ids, marks, numbers), (head, path)
            assert key == hash(tuple(ids)) or not ids


def test_the_licence_word_test_in_c_is_the_python_one(monkeypatch):
    from tui.core.notices import candidates

    rng = random.Random(5)
    heads = _heads(3, 300) + [bytes(rng.randrange(256) for _ in range(rng.randint(0, 9000))) for _ in range(100)]
    heads += [b"x" * 4093 + b"GPL", b"x" * 4094 + b"gPl", b"x" * 5000 + b"MIT ", b"", b"MOZILLA", b"mit/", b"Public Domain"]
    heads += [b"x" * at + word for at in (250, 254, 255, 256, 4090, 4095, 4096) for word in (b"GPL", b"Free Software")]
    heads += [head.lower().replace(b"licen", b"lxcen").replace(b"gpl", b"gxl") for head in heads]
    with_c = [candidates.has_licence_words(head) for head in heads]
    monkeypatch.setattr(candidates, "_words_in", None)
    assert [candidates.has_licence_words(head) for head in heads] == with_c
    assert any(with_c) and not all(with_c)


def test_an_unrecognised_notice_is_read_line_by_line_or_joined_alike():
    """reading._unrecognised runs its regexes over the lines joined: the same line as line by line."""
    from tui.core.notices import reading

    def by_line(comments):
        first, seen = 0, set()
        for number, text in comments:
            if reading._NOT_NOTICE.search(text):
                continue
            if not first and reading.LICENCE_LIKE.search(text):
                first = number
            seen.update(word.lower()[:6] for word in reading._LICENCE_TERMS.findall(text))
        return first if first and len(seen) >= 2 else 0

    rng = random.Random(17)
    words = ["licence", "License", "permission", "GPL", "xGPL", "warranty", "modify", "distribute", "free", "software",
             "copies", "terms", "the", "SPDX-License-Identifier: MIT", "MODULE_LICENSE", "copiesx", "\u0131", " ", ".",
             "licen\u017fe", "G\u0130PL", "\u0130", "spdx-license-identifier", "Module_License"]
    for _ in range(3000):
        comments = [(n, " ".join(rng.choice(words) for _ in range(rng.randint(0, 6)))) for n in range(1, rng.randint(1, 8))]
        assert reading._unrecognised(comments) == by_line(comments), comments


def test_the_saved_tables_unpack_to_the_tables_built_and_scan_alike(idx):
    """The index keeps its seed and short-rule tables packed in arrays (``Packed``): they unpack to what was
    built (hash keys below zero, pair keys of 2**63 and more), and a scanner made from them finds what one made
    from the dicts finds."""
    from tui.core.notices import match

    # (hash keys, signed; pair keys, unsigned: never both in one table)
    for table in ({-5: 1, 7: (2, 3), (1 << 63) - 1: ()}, {7: (2,), 1 << 63: (4, 5), (1 << 64) - 1: 0}, {},
                  {-(1 << 63): 9}):
        assert notices_index.unpack(notices_index.pack(table)) == table
    if match._fastmatch is None:
        pytest.skip("the C matcher is not built")
    packed = notices_index.Index(**{**notices_index._state(idx), "scanner": None})
    dicts = notices_index.Index(**{**notices_index._state(idx), "scanner": None})
    for name in notices_index._TABLES:
        dicts.table(name)
    assert isinstance(packed.seeds, notices_index.Packed) and isinstance(dicts.seeds, dict)
    words = ("permission is hereby granted free of charge to any person obtaining a copy of this software "
             "licensed under the gpl version 2 or later dual bsd gpl redistribution and use in source").split()
    rng = random.Random(13)
    for _ in range(60):
        ids = notices_index.token_ids([rng.choice(words) for _ in range(rng.randrange(1, 120))])
        assert match._new_scanner(packed).scan(ids, True) == match._new_scanner(dicts).scan(ids, True)
