"""Licence notices in the scan (issue 13): what `lictree check` says of a file's notice, for both readers,
warm and cold, and on bad input."""

from __future__ import annotations

import json

import pytest

from tests.conftest import READERS, use_reader, write_tree
from tui.cli import main
from tui.core import build, query
from tui.core.counting import summarize
from tui.core.notices import candidates

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
THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE."""

GPL_PLUS = """This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation; either version 2 of the License, or
(at your option) any later version."""

GPL_UNVERSIONED = """This software may be used and distributed according to the terms
of the GNU General Public License, incorporated herein by reference."""


def block(text: str, first: str = "/*") -> str:
    return first + "\n" + "".join(f" * {line}".rstrip() + "\n" for line in text.splitlines()) + " */\n"


FILES = {
    "drivers/mit.c": block("Copyright 2020 A. Vendor\n\n" + MIT) + "int a;\n",
    "drivers/mit.h": block(MIT) + "int b;\n",
    "drivers/plus.c": block(GPL_PLUS) + "int c;\n",
    "scripts/tool.sh": "#!/bin/sh\n" + "".join(f"# {line}\n" for line in GPL_PLUS.splitlines()) + "echo hi\n",
    "drivers/retagged.c": "// SPDX-License-Identifier: GPL-2.0-only\n" + block(GPL_PLUS) + "int d;\n",
    "drivers/agreed.c": "// SPDX-License-Identifier: GPL-2.0+\n" + block(GPL_PLUS) + "int e;\n",
    "drivers/old.c": "// SPDX-License-Identifier: GPL-1.0+\n" + block(GPL_UNVERSIONED) + "int f;\n",
    "drivers/odd.c": block("This file may be shared under the licence of the frobnicator project, see permission.txt")
    + "int g;\n",
    "drivers/plain.c": block("A driver for nothing in particular.") + "int h;\n",
}


def check_json(root, *extra: str) -> dict:
    from io import StringIO
    from unittest import mock

    out = StringIO()
    with mock.patch("sys.stdout", out):
        main(["check", str(root), "--format", "json", *extra])
    return json.loads(out.getvalue())


def by_path(doc: dict) -> dict[str, dict]:
    return {entry["path"]: entry for entry in doc["files"]}


@pytest.fixture
def tree(tmp_path):
    return write_tree(tmp_path / "tree", FILES)


@pytest.mark.parametrize("reader", READERS)
def test_an_untagged_files_notice_is_its_effective_licence_and_the_tag_to_add(tree, monkeypatch, reader):
    use_reader(monkeypatch, reader)
    files = by_path(check_json(tree))
    mit = files["drivers/mit.c"]
    assert mit["status"] == "untagged"  # spdxcheck's status does not change
    assert mit["notice"]["expression"] == "MIT" and (mit["notice"]["line"], mit["notice"]["end_line"]) == (4, 20)
    assert mit["notice"]["score"] >= 90 and mit["notice"]["rule"]
    assert mit["effective"] == {"expression": "MIT", "source": "notice"}
    rules = [f["rule"] for f in mit["findings"]]
    assert rules == ["LT600"]  # it replaces LT100's "the COPYING default applies"
    assert "add '// SPDX-License-Identifier: MIT' on line 1" in mit["findings"][0]["message"]
    assert "add '/* SPDX-License-Identifier: MIT */' on line 1" in files["drivers/mit.h"]["findings"][0]["message"]
    assert files["drivers/plus.c"]["effective"] == {"expression": "GPL-2.0-or-later", "source": "notice"}
    assert "add '# SPDX-License-Identifier: GPL-2.0-or-later' on line 2" in \
        files["scripts/tool.sh"]["findings"][0]["message"]
    plain = files["drivers/plain.c"]
    assert plain["notice"] is None and [f["rule"] for f in plain["findings"]] == ["LT100"]
    assert plain["effective"] == {"expression": "GPL-2.0 WITH Linux-syscall-note", "source": "copying"}


@pytest.mark.parametrize("reader", READERS)
def test_a_tag_the_notice_disagrees_with_is_an_error(tree, monkeypatch, reader):
    use_reader(monkeypatch, reader)
    files = by_path(check_json(tree))
    retagged = files["drivers/retagged.c"]
    assert retagged["effective"] == {"expression": "GPL-2.0-only", "source": "tag"}
    assert retagged["notice"]["expression"] == "GPL-2.0-or-later"
    (finding,) = [f for f in retagged["findings"] if f["rule"] == "LT601"]
    assert finding["severity"] == "error" and finding["line"] == 1
    assert "any later version" in finding["message"] and "lines 3-6" in finding["message"]
    assert not [f for f in files["drivers/agreed.c"]["findings"] if f["rule"] == "LT601"]
    # an unversioned GPL notice is GPL-2.0 as module.h reads it; the kernel's conversion tagged such files GPL-1.0+
    old = files["drivers/old.c"]
    assert old["notice"]["expression"] == "GPL-2.0-only"
    assert not [f for f in old["findings"] if f["rule"] == "LT601"]


def test_a_licence_like_comment_that_matches_nothing_is_for_review(tree):
    odd = by_path(check_json(tree))["drivers/odd.c"]
    assert odd["notice"] is None
    assert [(f["rule"], f["severity"], f["line"]) for f in odd["findings"]] == [("LT100", "warning", None),
                                                                                 ("LT602", "info", 2)]


def test_the_rules_are_selectable(tree):
    files = by_path(check_json(tree, "--select", "LT601"))
    assert files["drivers/mit.c"]["findings"] == []
    assert [f["rule"] for f in files["drivers/retagged.c"]["findings"]] == ["LT601"]


def test_both_readers_and_a_warm_run_agree(tree, monkeypatch):
    cold = check_json(tree)
    warm = check_json(tree)
    use_reader(monkeypatch, "python")
    python = check_json(tree, "--no-cache")
    assert by_path(cold) == by_path(warm) == by_path(python)


def test_summary_filters_and_counts_use_the_effective_licence(tree):
    index = build.build_index(str(tree))
    summary = summarize(index)
    untagged = summary["statuses"]["untagged"]
    assert summary["sources"]["notice"] == 4  # mit.c, mit.h, plus.c, tool.sh
    assert summary["sources"]["notice"] + summary["sources"]["copying"] == untagged
    assert summary["notice_expressions"] == {"GPL-2.0-or-later": 2, "MIT": 2}
    assert summary["licenses"]["MIT"] == 3  # and LICENSES/preferred/MIT, whose Usage-Guide holds a tag
    paths = lambda text: {index.paths[i] for i in query.parse_query(text).matches(index)}  # noqa: E731
    assert paths("license:MIT") == {"drivers/mit.c", "drivers/mit.h", "LICENSES/preferred/MIT"}
    assert paths("source:notice") == {"drivers/mit.c", "drivers/mit.h", "drivers/plus.c", "scripts/tool.sh"}
    assert paths("source:tag license:=GPL-2.0+") == {"drivers/agreed.c"}
    assert paths("source:notice license:=GPL-2.0-or-later") == {"drivers/plus.c", "scripts/tool.sh"}
    assert "drivers/plain.c" in paths("source:copying")
    assert index.dir_stats("drivers").sources["notice"] == 3
    assert index.dir_stats("drivers").noticed["MIT"] == 2


def test_an_edit_on_disk_refreshes_the_notice(tree):
    index = build.build_index(str(tree))
    index.dirs()
    (tree / "drivers/mit.c").write_text(block(GPL_PLUS) + "int a;\n")
    build.refresh(index, ["drivers/mit.c"])
    assert index.get("drivers/mit.c").effective == ("GPL-2.0-or-later", "notice")
    assert index.dir_stats("drivers").noticed["MIT"] == 1
    (tree / "drivers/mit.c").write_text("int a;\n")
    build.refresh(index, ["drivers/mit.c"])
    record = index.get("drivers/mit.c")
    assert record.notice is None and record.effective[1] == "copying"
    assert "drivers/mit.c" not in index.notices


@pytest.mark.parametrize("head, tagged, expected", [
    (b"/* GPL */", False, True), (b"/* nothing here */", False, False),
    (b"// SPDX-License-Identifier: GPL-2.0\n", True, False),
    (b"// SPDX-License-Identifier: GPL-2.0\n/* This program is FREE SOFTWARE */", True, True),
    (b"// spdx-license-identifier: free software\nint x;", True, False),
    (b"/*" + b"x" * 20000 + b" gpl */", False, False), (b"/*" + b"x" * 7000 + b" permission */", True, False),
    (b"", False, False), (b"/* \xff\xfe Permission \x00 */", False, True),
    # only the leading comment lines count: licence words in code or after it do not make a candidate
    (b"/* a driver */\nint x; /* GPL */\n", False, False), (b"#!/bin/sh\n# GPL\necho\n", False, True),
    (b"/*\n  no star\n  GPL here\n*/\n", False, True), (b"/* one */ /* two\n GPL */\n", False, False),
    (b"\n\n  \t\n// x\n#include <a.h>\n/* Redistribution */\n", False, True), (b'.\\" GPL\n', False, True),
    (b"// SPDX-License-Identifier: MIT\nint permission;\n", True, False),
    (b"<!-- licensed under -->\n", True, True),
    (b"// SPDX-License-Identifier: MIT\n/*\n * under the terms of\n */\n", True, True),
    (b"x\n/* GPL */", False, False),
], ids=lambda value: None if isinstance(value, bytes) and len(value) < 60 else "long")
def test_the_c_candidate_test_is_the_python_one(head, tagged, expected):
    from tui.core import scan

    assert candidates.needs_matching(head, tagged) is expected
    if scan._fastread is None:
        pytest.skip("the C reader is not built here")
    assert scan._fastread.notice_candidate(head, tagged) is expected


BAD = {
    "bad/binary.c": b"/* licence GPL permission \x00\x01\x02 */" + bytes(range(256)) * 64,
    "bad/latin1.c": "/*\n * Ce logiciel est libre; \xe9 vous pouvez le redistribuer (GPL)\n */\n".encode("latin-1"),
    "bad/repeated.c": ("/*\n" + " * This program is free software; you can redistribute it\n" * 10000 + " */\n").encode(),
    "bad/unclosed.c": ("/*\n * " + GPL_PLUS.replace("\n", "\n * ") + "\n" + " * more words\n" * 5000).encode(),
    "bad/huge.c": ("/*" + "licence " * 200000 + "*/\n").encode(),
}


def test_bad_input_gives_an_answer_in_bounded_time(tmp_path, capsys):
    root = write_tree(tmp_path / "tree", BAD)
    code = main(["check", str(root), "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in err
    files = by_path(json.loads(out))
    assert files["bad/binary.c"]["notice"] is None
    assert files["bad/unclosed.c"]["notice"]["expression"] == "GPL-2.0-or-later"
    assert set(files) >= set(BAD)  # (the matcher bounds each file's work: tests/core/test_notices.py)


@pytest.mark.parametrize("reader", READERS)
def test_files_that_share_an_outcome_keep_their_own_notices(tmp_path, monkeypatch, reader):
    """Outcomes are shared between files that agree on what the per-file checks read (the tag line...);
    the notice rules read the notice, which is each file's own: applied after sharing, never shared."""
    use_reader(monkeypatch, reader)
    tag = "// SPDX-License-Identifier: GPL-2.0-only\n"
    files = {f"d/plain{i}.c": tag + "int x;\n" for i in range(20)}
    files.update({f"d/later{i}.c": tag + block(GPL_PLUS) + "int y;\n" for i in range(20)})
    root = write_tree(tmp_path / "tree", dict(sorted(files.items(), key=lambda kv: kv[0][::-1])))
    found = by_path(check_json(root))
    for i in range(20):
        assert found[f"d/plain{i}.c"]["findings"] == [] and found[f"d/plain{i}.c"]["notice"] is None
        assert [f["rule"] for f in found[f"d/later{i}.c"]["findings"]] == ["LT601"]


@pytest.mark.parametrize("reader", READERS)
def test_a_notice_past_the_first_read_of_a_header_is_found(tmp_path, monkeypatch, reader):
    """The C reader reads a header's first 4 KiB; a candidate's head is read on to 16 KiB (HEAD_BYTES) for the
    matcher, whose notice may begin past the first read (a long comment before the licence text)."""
    use_reader(monkeypatch, reader)
    about = "".join(f"Register {i}: what the hardware does when bit {i} is set, per the data sheet.\n"
                    for i in range(70))  # ~5.5 KiB of comment before the notice
    files = {
        "inc/long.h": block("Copyright 2021 A. Vendor\nLicensing: see below.\n\n" + about + "\n" + MIT) + "int a;\n",
        "inc/crlf.h": (block("Copyright 2021\n" + about + "\n" + GPL_PLUS) + "int b;\n").replace("\n", "\r\n"),
        "inc/short.h": block(MIT),  # the whole file in the first read
    }
    root = write_tree(tmp_path / "tree", files)
    assert len(files["inc/long.h"]) > 6000
    found = by_path(check_json(root))
    assert found["inc/long.h"]["notice"]["expression"] == "MIT"
    assert found["inc/long.h"]["notice"]["line"] > 70
    assert found["inc/crlf.h"]["notice"]["expression"] == "GPL-2.0-or-later"
    assert found["inc/short.h"]["notice"]["expression"] == "MIT"


def test_the_c_reader_hands_over_each_candidates_head(tmp_path):
    """read_columns gives the head of each licence-notice candidate (its first HEAD_BYTES, as the Python
    reader reads it), and of no other file."""
    from tui.core import scan
    from tui.core.evaluate import Context

    if scan.column_reader() is None:
        pytest.skip("the C reader is not built here")
    notice = block(MIT)
    files = {
        "a.h": notice + "int x;\n" * 5000,  # a header longer than HEAD_BYTES, read on from 4 KiB
        "b.c": notice + "int y;\n" * 5000,  # a C file, read whole
        "c.h": "/* a header */\n" + "int z;\n" * 100,  # not a candidate
        "d.h": "// SPDX-License-Identifier: MIT\n" + notice,  # tagged, with licence text: a candidate
        "e.h": notice[:3000],  # shorter than the first read
    }
    root = write_tree(tmp_path / "tree", files)
    ctx = Context(str(root))
    paths = sorted(files)
    heads = scan.column_reader()(str(root), paths, bytes(len(paths)), {}, ctx.exempt, ctx.table)[5]
    given = {paths[at]: head for at, head in heads}
    assert sorted(given) == ["a.h", "b.c", "d.h", "e.h"]
    for path, head in given.items():
        assert head == (root / path).read_bytes()[: candidates.HEAD_BYTES], path
