"""`suggest`'s patch (tui.core.suggest): once git apply (or patch -p1) applies it, each file has the tag
its notice grants, where and how license-rules.rst wants it, and nothing else of the file changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import snapshot_tree, write_tree
from tui.cli import main
from tui.core import suggest
from tui.core.catalog import load_catalog
from tui.core.expressions import KnownIds
from tui.core.notices.notice import Notice
from tui.core.report import printable

GIT = shutil.which("git")
PATCH = shutil.which("patch")
TOOLS = [pytest.param("git", marks=pytest.mark.skipif(not GIT, reason="git is not installed")),
         pytest.param("patch", marks=pytest.mark.skipif(not PATCH, reason="patch is not installed"))]
#: The rules about the tag line itself: none of them may fire on an added tag.
TAG_LINE_RULES = ("LT104", "LT105", "LT2")

NOTICE = " * Permission is hereby granted, free of charge, to any person obtaining a copy\n"


def notice(expression: str = "MIT", score: int = 100) -> Notice:
    return Notice(expression, 2, 4, score, "mit.LICENSE")


def tree(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = write_tree(tmp_path / "linux", files)
    if GIT:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def apply(root: Path, diff: bytes, tool: str = "git") -> None:
    command = ["git", "apply", "-"] if tool == "git" else ["patch", "-p1", "--quiet", "--batch"]
    done = subprocess.run(command, cwd=root, input=diff, capture_output=True)
    assert done.returncode == 0, done.stderr.decode(errors="replace") + done.stdout.decode(errors="replace")


def check_json(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    capsys.readouterr()
    assert main(["check", str(root), "--format", "json", "--no-cache", "--fail-on", "never"]) == 0
    return {f["path"]: f for f in json.loads(capsys.readouterr().out)["files"]}


def assert_tagged(files: dict[str, dict], path: str, expression: str, line: int) -> None:
    found = files[printable(path)]  # as check's JSON writes a name: control characters and stray bytes escaped
    assert (found["status"], found["expression"], found["line"]) == ("valid", expression, line), found
    wrong = [f for f in found["findings"] if f["rule"].startswith(TAG_LINE_RULES)]
    assert not wrong, (path, wrong)


# Each file type: its comment style, its line ------------------------------------------------------

C_BODY = "/*\n" + NOTICE + " */\n#include <x.h>\n"
HASH_BODY = "#\n# This program is free software; you can redistribute it\n#\nall:\n"

STYLE_CASES = [
    # path, content, the tag line's number, the tag line
    ("drivers/a.c", C_BODY, 1, "// SPDX-License-Identifier: MIT"),
    ("include/linux/a.h", C_BODY, 1, "/* SPDX-License-Identifier: MIT */"),
    ("arch/x86/lib/a.S", C_BODY, 1, "/* SPDX-License-Identifier: MIT */"),
    ("arch/x86/kernel/vmlinux.lds", C_BODY, 1, "/* SPDX-License-Identifier: MIT */"),
    ("arch/arm/boot/dts/a.dts", C_BODY, 1, "// SPDX-License-Identifier: MIT"),
    ("arch/arm/boot/dts/a.dtsi", C_BODY, 1, "// SPDX-License-Identifier: MIT"),
    ("rust/kernel/a.rs", "//! Module.\n// Permission is hereby granted\nfn f() {}\n", 1, "// SPDX-License-Identifier: MIT"),
    ("drivers/Makefile", HASH_BODY, 1, "# SPDX-License-Identifier: MIT"),
    ("drivers/Kconfig", HASH_BODY, 1, "# SPDX-License-Identifier: MIT"),
    ("drivers/Kbuild", HASH_BODY, 1, "# SPDX-License-Identifier: MIT"),
    ("scripts/a.sh", "#!/bin/sh\n" + HASH_BODY, 2, "# SPDX-License-Identifier: MIT"),
    ("scripts/noext", "#!/usr/bin/env perl\n" + HASH_BODY, 2, "# SPDX-License-Identifier: MIT"),
    ("scripts/a.py", "#!/usr/bin/env python3\n" + HASH_BODY, 2, "# SPDX-License-Identifier: MIT"),
    ("scripts/b.py", "# -*- coding: utf-8 -*-\n" + HASH_BODY, 2, "# SPDX-License-Identifier: MIT"),
    ("scripts/c.py", "#!/usr/bin/python3\n# -*- coding: utf-8 -*-\n" + HASH_BODY, 3, "# SPDX-License-Identifier: MIT"),
    ("scripts/a.pl", "#!/usr/bin/perl\n" + HASH_BODY, 2, "# SPDX-License-Identifier: MIT"),
    ("scripts/a.awk", HASH_BODY, 1, "# SPDX-License-Identifier: MIT"),
    ("tools/perf/tests/shell/a.sh", "#!/bin/sh\n# test description\n" + HASH_BODY, 3, "# SPDX-License-Identifier: MIT"),
    ("Documentation/a.yaml", HASH_BODY.replace("all:", "key: 1"), 1, "# SPDX-License-Identifier: MIT"),
    ("Documentation/a.rst", ".. Permission is hereby granted\n\nTitle\n=====\n", 1, ".. SPDX-License-Identifier: MIT"),
    ("Documentation/b.rst", "Title\n=====\n\nPermission is hereby granted\n", 1, ".. SPDX-License-Identifier: MIT"),
    ("Documentation/a.svg", '<?xml version="1.0"?>\n<!-- Permission is hereby granted -->\n<svg/>\n', 2,
     "<!-- SPDX-License-Identifier: MIT -->"),
    ("tools/man/a.8", '.\\" Permission is hereby granted\n.TH A 8\n', 1, '.\\" SPDX-License-Identifier: MIT'),
]


@pytest.mark.parametrize("tool", TOOLS)
def test_each_file_type_gets_the_style_and_line_license_rules_prescribes(tmp_path, capsys, tool):
    root = tree(tmp_path, {path: content for path, content, _line, _tag in STYLE_CASES})
    before = {path: (root / path).read_bytes() for path, *_ in STYLE_CASES}
    patch = suggest.suggest_patch(str(root), [(path, notice()) for path, *_ in STYLE_CASES])
    assert patch.skipped == []
    assert sorted(path for path, _line in patch.patched) == sorted(path for path, *_ in STYLE_CASES)
    apply(root, patch.diff, tool)
    files = check_json(root, capsys)
    for path, _content, line, tag in STYLE_CASES:
        lines = (root / path).read_bytes().split(b"\n")
        assert lines[line - 1] == tag.encode(), path
        # the rest of the file as it was (an .rst file also gets a blank line before text)
        rest = lines[: line - 1] + lines[line:]
        if path.endswith(".rst") and not before[path].startswith(b".."):
            assert rest[line - 1] == b""
            rest.pop(line - 1)
        assert b"\n".join(rest) == before[path], path
        assert_tagged(files, path, "MIT", line)


@pytest.mark.skipif(not GIT, reason="git is not installed")
def test_the_patch_is_what_git_diff_writes_of_the_patched_tree(tmp_path):
    """The same headers, hunks, context and quoting as git's own diff (without its index lines)."""
    files = {path: content for path, content, _line, _tag in STYLE_CASES}
    files.update({"crlf.c": b"/*\r\n * Permission\r\n */\r\nint x;\r\n", "short.c": b"/* Permission */",
                  "dir with space/a b.c": C_BODY, 'q"uote\\d.c': C_BODY, "caf\u00e9.c": C_BODY,
                  "tab\there.c": C_BODY, "latin1\udce9.c": C_BODY})
    root = tree(tmp_path, {})
    for path, content in files.items():
        target = os.path.join(os.fsencode(root), os.fsencode(path))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content if isinstance(content, bytes) else content.encode())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "core.quotePath=true", "-c", "core.autocrlf=false"]
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "before"], cwd=root, check=True)
    patch = suggest.suggest_patch(str(root), [(path, notice()) for path in files])
    assert patch.skipped == []
    apply(root, patch.diff)
    theirs = subprocess.run([*git, "diff", "--no-color", "--no-ext-diff"], cwd=root, check=True,
                            capture_output=True).stdout
    theirs_files = theirs.split(b"diff --git ")
    ours_files = patch.diff.split(b"diff --git ")
    assert len(ours_files) == len(theirs_files) == len(files) + 1
    without_index = [b"\n".join(line for line in part.split(b"\n") if not line.startswith(b"index ")) for part in theirs_files]
    assert sorted(ours_files) == sorted(without_index)


# Line ends, bytes, the end of a file --------------------------------------------------------------


@pytest.mark.parametrize("tool", TOOLS)
def test_a_crlf_file_keeps_its_line_ends(tmp_path, capsys, tool):
    body = b"/*\r\n * Permission is hereby granted\r\n */\r\nint x;\r\n"
    root = tree(tmp_path, {"drivers/crlf.c": body, "scripts/crlf.sh": b"#!/bin/sh\r\n# Permission\r\nexit 0\r\n"})
    patch = suggest.suggest_patch(str(root), [("drivers/crlf.c", notice()), ("scripts/crlf.sh", notice())])
    apply(root, patch.diff, tool)
    assert (root / "drivers/crlf.c").read_bytes() == b"// SPDX-License-Identifier: MIT\r\n" + body
    assert (root / "scripts/crlf.sh").read_bytes() == b"#!/bin/sh\r\n# SPDX-License-Identifier: MIT\r\n# Permission\r\nexit 0\r\n"
    files = check_json(root, capsys)
    assert_tagged(files, "drivers/crlf.c", "MIT", 1)
    assert_tagged(files, "scripts/crlf.sh", "MIT", 2)


@pytest.mark.parametrize("tool", TOOLS)
def test_files_without_a_final_newline(tmp_path, capsys, tool):
    root = tree(tmp_path, {"a.c": b"/* Permission is hereby granted */", "b.h": b"/*\n * Permission\n */\nint x;",
                           "only-shebang.sh": b"#!/bin/sh"})
    patch = suggest.suggest_patch(str(root), [(p, notice()) for p in ("a.c", "b.h", "only-shebang.sh")])
    assert b"\\ No newline at end of file" in patch.diff
    apply(root, patch.diff, tool)
    assert (root / "a.c").read_bytes() == b"// SPDX-License-Identifier: MIT\n/* Permission is hereby granted */"
    assert (root / "b.h").read_bytes() == b"/* SPDX-License-Identifier: MIT */\n/*\n * Permission\n */\nint x;"
    # the tag belongs on line 2, after a last line without a newline: that line gets one
    assert (root / "only-shebang.sh").read_bytes() == b"#!/bin/sh\n# SPDX-License-Identifier: MIT\n"
    files = check_json(root, capsys)
    assert_tagged(files, "a.c", "MIT", 1)
    assert_tagged(files, "b.h", "MIT", 1)
    assert_tagged(files, "only-shebang.sh", "MIT", 2)


@pytest.mark.parametrize("tool", TOOLS)
def test_non_utf8_bytes_are_kept_exactly(tmp_path, capsys, tool):
    body = b"/*\n * Copyright \xa9 1999 J\xf6rg \xff\xfe\n * Permission is hereby granted\n */\nchar *s = \"\x80\";\n"
    root = tree(tmp_path, {"drivers/latin1.c": body})
    patch = suggest.suggest_patch(str(root), [("drivers/latin1.c", notice())])
    assert b"\xa9 1999 J\xf6rg \xff\xfe" in patch.diff
    apply(root, patch.diff, tool)
    assert (root / "drivers/latin1.c").read_bytes() == b"// SPDX-License-Identifier: MIT\n" + body
    assert_tagged(check_json(root, capsys), "drivers/latin1.c", "MIT", 1)


NAMES = ["dir with space/a file.c", 'q"uote.c', "back\\slash.c", "caf\u00e9.c", "tab\there.c", "latin1\udce9.c"]


@pytest.mark.parametrize("tool", TOOLS)
def test_unusual_file_names_are_quoted_as_git_quotes_them(tmp_path, capsys, tool):
    root = tree(tmp_path, {})
    for name in NAMES:
        target = os.path.join(os.fsencode(root), os.fsencode(name))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(C_BODY.encode())
    patch = suggest.suggest_patch(str(root), [(name, notice()) for name in NAMES])
    assert patch.skipped == []
    assert b'--- "a/caf\\303\\251.c"' in patch.diff and b'"a/latin1\\351.c"' in patch.diff
    assert b"--- a/dir with space/a file.c\t\n" in patch.diff
    apply(root, patch.diff, tool)
    files = check_json(root, capsys)
    for name in NAMES:
        with open(os.path.join(os.fsencode(root), os.fsencode(name)), "rb") as handle:
            assert handle.read() == b"// SPDX-License-Identifier: MIT\n" + C_BODY.encode(), name
        assert_tagged(files, name, "MIT", 1)


def test_quote_path():
    assert suggest.quote_path("a/drivers/net/x.c") == b"a/drivers/net/x.c"
    assert suggest.quote_path("a/x y.c") == b"a/x y.c"
    assert suggest.quote_path('a/"x\\\n') == b'"a/\\"x\\\\\\n"'
    assert suggest.quote_path("a/\u00e9\x01") == b'"a/\\303\\251\\001"'


# What is skipped, and why ---------------------------------------------------------------------------


def test_files_that_cannot_take_a_tag_are_skipped_with_their_reason(tmp_path):
    root = tree(tmp_path, {"fw/a.fuc": C_BODY, "notes.txt": "Permission is hereby granted\n",
                           "low.c": C_BODY, "bsd.c": C_BODY, "late.c": "/*\n" * 20 + "// SPDX-License-Identifier: MIT\n",
                           "bin.c": b"/* Permission */\0\0\0", "cr.c": b"/*\r * Permission\r */\rint x;\r",
                           "good.c": C_BODY})
    (root / "link.c").symlink_to("good.c")
    items = [("fw/a.fuc", notice()), ("notes.txt", notice()), ("low.c", notice(score=80)),
             ("bsd.c", notice("BSD-3-Clause")), ("late.c", notice()), ("bin.c", notice()), ("cr.c", notice()),
             ("link.c", notice()), ("gone.c", notice()), ("good.c", notice())]
    before = snapshot_tree(root)
    patch = suggest.suggest_patch(str(root), items)
    assert snapshot_tree(root) == before  # nothing in the tree is written
    assert patch.patched == [("good.c", "// SPDX-License-Identifier: MIT")]
    why = {s.path: s.reason for s in patch.skipped}
    assert why == {"fw/a.fuc": suggest.NO_STYLE, "notes.txt": suggest.NO_STYLE, "low.c": suggest.LOW_SCORE,
                   "bsd.c": suggest.NOT_IN_LICENSES, "late.c": suggest.HAS_TAG, "bin.c": suggest.BINARY,
                   "cr.c": suggest.CR_ONLY, "link.c": suggest.NOT_REGULAR, "gone.c": suggest.UNREADABLE}
    details = {s.path: s.detail for s in patch.skipped}
    assert "'.fuc' files" in details["fw/a.fuc"] and "80" in details["low.c"] and "BSD-3-Clause" in details["bsd.c"]
    summary = patch.summary()
    assert summary.startswith("1 file patched, 9 skipped (") and f"2 {suggest.NO_STYLE}" in summary
    # a lower minimum takes the low score too
    lower = suggest.suggest_patch(str(root), [("low.c", notice(score=80))], min_score=80)
    assert [path for path, _ in lower.patched] == ["low.c"]


def test_a_patch_only_adds_lines(tmp_path):
    root = tree(tmp_path, {path: content for path, content, _line, _tag in STYLE_CASES})
    patch = suggest.suggest_patch(str(root), [(path, notice()) for path, *_ in STYLE_CASES])
    body = [line for line in patch.diff.split(b"\n") if line[:1] in (b"+", b"-") and not line.startswith((b"+++", b"---"))]
    assert body and all(line.startswith(b"+") for line in body)
    assert all(b"SPDX-License-Identifier" in line or line == b"+" for line in body)


def test_the_tag_expression_is_written_as_spdxcheck_takes_it(tmp_path):
    write_tree(tmp_path, {})
    known = KnownIds(load_catalog(str(tmp_path)))
    assert suggest.tag_expression("MIT", known) == "MIT"
    assert suggest.tag_expression("GPL-2.0-only OR MIT", known) == "GPL-2.0-only OR MIT"
    assert suggest.tag_expression("GPL-2.0-only OR GPL-2.0-only OR MIT", known) == "GPL-2.0-only OR MIT"
    assert suggest.tag_expression("GPL-2.0-only OR MIT OR Apache-2.0", known) == "(GPL-2.0-only OR MIT) OR Apache-2.0"
    assert suggest.tag_expression("GPL-2.0 WITH Linux-syscall-note OR MIT", known) == \
        "(GPL-2.0 WITH Linux-syscall-note) OR MIT"
    assert suggest.tag_expression("GPL-2.0-or-later WITH Linux-syscall-note", known) == \
        "GPL-2.0-or-later WITH Linux-syscall-note"
    assert suggest.tag_expression("BSD-3-Clause OR MIT", known) is None  # not in this LICENSES/
    assert suggest.tag_expression("LicenseRef-scancode-public-domain", known) is None
    assert suggest.tag_expression("MIT OR (", known) is None


# UAPI headers ----------------------------------------------------------------------------------------

LGPL = ("Valid-License-Identifier: LGPL-2.1\nValid-License-Identifier: LGPL-2.1-only\n"
        "SPDX-URL: https://spdx.org/licenses/LGPL-2.1.html\nUsage-Guide:\n  x\nLicense-Text:\nLGPL text\n")
LGPL2 = ("Valid-License-Identifier: LGPL-2.0-only\nSPDX-URL: https://spdx.org/licenses/LGPL-2.0.html\n"
         "Usage-Guide:\n  x\nLicense-Text:\nLGPL text\n")
NOTE = ("SPDX-Exception-Identifier: Linux-syscall-note\nSPDX-URL: https://spdx.org/licenses/Linux-syscall-note.html\n"
        "SPDX-Licenses: GPL-2.0, GPL-2.0+, GPL-2.0-only, GPL-2.0-or-later, LGPL-2.1\nUsage-Guide:\n  uapi\n"
        "License-Text:\nnote\n")


def test_a_uapi_header_gets_the_syscall_note_on_each_gpl_variant(tmp_path, capsys):
    """license-rules.rst asks for it, and scripts/headers_install.sh (make headers_install) fails without it."""
    root = tree(tmp_path, {"LICENSES/preferred/LGPL-2.1": LGPL, "LICENSES/preferred/LGPL-2.0": LGPL2,
                           "LICENSES/exceptions/Linux-syscall-note": NOTE,
                           **{f"include/uapi/linux/{n}.h": C_BODY for n in ("gpl", "dual", "mit", "lgpl", "lgpl2")},
                           "arch/x86/include/uapi/asm/gpl.h": C_BODY, "include/linux/gpl.h": C_BODY,
                           "include/uapi/linux/ioctl.c": C_BODY})
    items = [("include/uapi/linux/gpl.h", notice("GPL-2.0-only")), ("include/uapi/linux/dual.h", notice("GPL-2.0-or-later OR MIT")),
             ("include/uapi/linux/mit.h", notice("MIT")), ("include/uapi/linux/lgpl.h", notice("LGPL-2.1-only")),
             ("include/uapi/linux/lgpl2.h", notice("LGPL-2.0-only")),
             ("arch/x86/include/uapi/asm/gpl.h", notice("GPL-2.0-only")), ("include/linux/gpl.h", notice("GPL-2.0-only")),
             ("include/uapi/linux/ioctl.c", notice("GPL-2.0-only"))]
    patch = suggest.suggest_patch(str(root), items)
    assert [(s.path, s.reason) for s in patch.skipped] == [("include/uapi/linux/lgpl2.h", suggest.UAPI_NO_NOTE)]
    apply(root, patch.diff)
    files = check_json(root, capsys)
    expected = {"include/uapi/linux/gpl.h": "GPL-2.0-only WITH Linux-syscall-note",
                "include/uapi/linux/dual.h": "(GPL-2.0-or-later WITH Linux-syscall-note) OR MIT",
                "include/uapi/linux/mit.h": "MIT",
                "include/uapi/linux/lgpl.h": "LGPL-2.1 WITH Linux-syscall-note",  # the spelling the note allows
                "arch/x86/include/uapi/asm/gpl.h": "GPL-2.0-only WITH Linux-syscall-note",
                "include/linux/gpl.h": "GPL-2.0-only",  # not a UAPI header
                "include/uapi/linux/ioctl.c": "GPL-2.0-only"}  # not a header
    for path, expression in expected.items():
        assert_tagged(files, path, expression, 1)
        assert not [f for f in files[path]["findings"] if f["rule"].startswith("LT3")], files[path]
