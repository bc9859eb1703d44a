"""`lictree suggest PATH [-o FILE] [--min-score N]`: what a user runs and sees, on small trees made here
and on a copy of real kernel directories ($LICTREE_KERNEL_TREE)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import snapshot_tree, write_tree
from tests.core.test_notices import BSD3, GPL2_ONLY, GPL2_PLUS, MIT
from tui.cli import main
from tui.core.report import printable

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(not GIT, reason="git is not installed")
TAG_LINE_RULES = ("LT104", "LT105", "LT2")
SUMMARY_RE = re.compile(r"^lictree suggest: (\d+) files? patched, (\d+) skipped")


def c_comment(text: str, open_: str = "/*") -> str:
    return open_ + "\n" + "".join(f" * {line}".rstrip() + "\n" for line in text.splitlines()) + " */\n"


def hash_comment(text: str) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in text.splitlines())


FILES = {
    "drivers/gpu/mit.c": c_comment("Copyright 2020 Somebody\n\n" + MIT) + "int x;\n",
    "include/linux/later.h": c_comment(GPL2_PLUS) + "#define X 1\n",
    "scripts/only.sh": "#!/bin/sh\n" + hash_comment(GPL2_ONLY) + "exit 0\n",
    "drivers/net/bsd.c": c_comment(BSD3) + "int y;\n",  # BSD-3-Clause: not in this LICENSES/
    "firmware/a.fuc": c_comment(MIT) + "ld b32 $r0\n",  # no comment style known for .fuc
    "drivers/net/plain.c": "/* a driver */\nint z;\n",  # no notice
    "drivers/net/tagged.c": "// SPDX-License-Identifier: GPL-2.0-only\n" + c_comment(GPL2_ONLY),
}
EXPECTED = {"drivers/gpu/mit.c": ("MIT", 1), "include/linux/later.h": ("GPL-2.0-or-later", 1),
            "scripts/only.sh": ("GPL-2.0-only", 2)}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def small_tree(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "linux", FILES)
    if GIT:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def checked(root: Path, capsys) -> dict[str, dict]:
    capsys.readouterr()
    assert main(["check", str(root), "--format", "json", "--no-cache", "--fail-on", "never"]) == 0
    return {f["path"]: f for f in json.loads(capsys.readouterr().out)["files"]}


def git_apply(root: Path, patch: bytes, *extra: str) -> None:
    done = subprocess.run(["git", "apply", *extra, "-"], cwd=root, input=patch, capture_output=True)
    assert done.returncode == 0, done.stderr.decode(errors="replace")


@needs_git
def test_suggest_writes_a_patch_that_tags_each_file_with_its_notice(small_tree: Path, tmp_path: Path, capsys):
    out = tmp_path / "tags.patch"
    before = snapshot_tree(small_tree)
    code, stdout, err = run(capsys, "suggest", str(small_tree), "-o", str(out))
    assert code == 0 and stdout == ""
    assert snapshot_tree(small_tree) == before  # the tree is only read
    assert "Traceback" not in err
    summary = err.strip().splitlines()[-1]
    assert SUMMARY_RE.match(summary) and summary.startswith("lictree suggest: 3 files patched, 2 skipped (")
    assert "licence not in LICENSES/" in summary and "no comment style known" in summary
    assert "untagged files without a recognised notice" in summary
    # each skipped file on its own line, with why
    assert re.search(r"drivers/net/bsd\.c: skipped: licence not in LICENSES/ \(BSD-3-Clause", err)
    assert re.search(r"firmware/a\.fuc: skipped: no comment style known for the file type \('\.fuc' files\)", err)
    patch = out.read_bytes()
    assert patch.count(b"diff --git ") == 3 and b"a/drivers/gpu/mit.c b/drivers/gpu/mit.c" in patch
    git_apply(small_tree, patch)
    files = checked(small_tree, capsys)
    for path, (expression, line) in EXPECTED.items():
        found = files[path]
        assert (found["status"], found["expression"], found["line"]) == ("valid", expression, line), found
        assert not [f for f in found["findings"] if f["rule"].startswith(TAG_LINE_RULES)], found
    for path in ("drivers/net/bsd.c", "firmware/a.fuc", "drivers/net/plain.c"):
        assert files[path]["status"] == "untagged"  # left as they were
    assert files["drivers/net/tagged.c"]["expression"] == "GPL-2.0-only"


def test_without_output_the_patch_goes_to_stdout(small_tree: Path, capsysbinary):
    assert main(["suggest", str(small_tree)]) == 0
    out, err = capsysbinary.readouterr()
    assert out.startswith(b"diff --git a/") and out.count(b"diff --git ") == 3
    assert b"files patched" in err and b"files patched" not in out


def test_min_score(small_tree: Path, capsys):
    code, out, err = run(capsys, "suggest", str(small_tree), "--min-score", "0")
    assert code == 0 and out.count("diff --git ") == 3
    code, _out, err = run(capsys, "suggest", str(small_tree), "--min-score", "101")
    assert code == 2 and "--min-score 101" in err and "Traceback" not in err


@needs_git
def test_a_path_inside_the_tree_patches_only_its_files_with_paths_from_the_top(small_tree: Path, tmp_path, capsys):
    code, out, err = run(capsys, "suggest", str(small_tree / "drivers"))
    assert code == 0
    assert re.findall(r"^diff --git a/(\S+) ", out, re.M) == ["drivers/gpu/mit.c"]
    assert "under drivers" in err.splitlines()[-1]
    git_apply(small_tree, out.encode(), "--check")
    code, out, _err = run(capsys, "suggest", str(small_tree / "scripts" / "only.sh"))
    assert code == 0 and re.findall(r"^diff --git a/(\S+) ", out, re.M) == ["scripts/only.sh"]


@pytest.mark.parametrize("case", ["missing", "file-outside", "no-licenses", "output-dir-missing", "output-is-dir",
                                  "not-a-number"])
def test_bad_input_is_one_clear_line_and_a_nonzero_status(tmp_path: Path, small_tree: Path, capsys, case: str):
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "a.c").write_text(c_comment(MIT))
    argv = {
        "missing": ["suggest", str(tmp_path / "nowhere")],
        "file-outside": ["suggest", str(lone / "a.c")],
        "no-licenses": ["suggest", str(lone)],
        "output-dir-missing": ["suggest", str(small_tree), "-o", str(tmp_path / "no" / "such" / "x.patch")],
        "output-is-dir": ["suggest", str(small_tree), "-o", str(tmp_path)],
        "not-a-number": ["suggest", str(small_tree), "--min-score", "high"],
    }[case]
    before = snapshot_tree(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("lictree") and "Traceback" not in err
    assert snapshot_tree(tmp_path) == before  # nothing written anywhere
    if case == "output-dir-missing":
        assert "no such directory" in err
    if case in ("missing", "no-licenses"):
        assert str(tmp_path.name) in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_an_unreadable_file_is_named_and_the_status_is_1(tmp_path: Path, capsys):
    root = write_tree(tmp_path / "linux", FILES)  # not a git work tree: git lists no FIFO
    os.mkfifo(root / "drivers" / "net" / "pipe.c")
    code, out, err = run(capsys, "suggest", str(root))
    assert code == 1 and out.count("diff --git ") == 3  # the patch of the others is still written
    assert "drivers/net/pipe.c: not read: a FIFO" in err and "1 unreadable" in err.splitlines()[-1]


def test_the_docs_page_mentions_every_option():
    from tui.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices["suggest"]
    text = (Path(__file__).resolve().parents[1] / "docs" / "suggest.md").read_text(encoding="utf-8")
    options = {o for a in sub._actions for o in a.option_strings if o.startswith("--") and o != "--help"}
    assert not [o for o in options if f"`{o}" not in text and f" {o}" not in text]


# A copy of real kernel directories ---------------------------------------------------------------

KERNEL = os.environ.get("LICTREE_KERNEL_TREE", "")
#: MIT (amdgpu's display code, .c and .h), BSD-3-Clause OR GPL-2.0 (tipc), "or any later version"
#: (a timers selftest directory, mwave), Python with a coding line, .rst, and UAPI headers (GPL-2.0+,
#: LGPL-2.1, MIT notices: the syscall note where a GPL variant needs it).
REAL_DIRS = ("drivers/gpu/drm/amd/display/dc/dce", "net/tipc", "tools/testing/selftests/timers", "drivers/char/mwave",
             "Documentation/sphinx", "Documentation/driver-api/device-io.rst", "Documentation/driver-api/regulator.rst",
             "include/uapi/linux/ncsi.h", "include/uapi/linux/ndctl.h", "include/uapi/drm/drm.h")


@pytest.mark.skipif(not KERNEL, reason="LICTREE_KERNEL_TREE is not set")
@needs_git
def test_on_a_copy_of_real_kernel_directories(tmp_path: Path, capsys):
    from tui.core.catalog import load_catalog
    from tui.core.notices.match import HEAD_BYTES, find_notice

    root = tmp_path / "linux"
    for rel in ("LICENSES", "COPYING", "scripts/spdxexclude", *REAL_DIRS):
        source = Path(KERNEL) / rel
        if not source.exists():
            pytest.skip(f"{rel} is not in {KERNEL}")
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, root / rel, symlinks=True)
        else:
            shutil.copy2(source, root / rel)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    before = checked(root, capsys)
    out = tmp_path / "tags.patch"
    code, _out, err = run(capsys, "suggest", str(root), "-o", str(out))
    assert code == 0, err
    skipped = set(re.findall(r"^lictree suggest: (.+?): skipped: ", err, re.M))
    patch = out.read_bytes()
    added = {m[0].decode(): m[1].decode() for m in
             re.findall(rb"^\+\+\+ b/(.+?)\t?\n(?:[ @].*\n)*?\+(.*SPDX-License-Identifier: .*)$", patch, re.M)}
    assert len(added) == patch.count(b"diff --git ")
    git_apply(root, patch, "--check")
    if shutil.which("patch"):
        done = subprocess.run(["patch", "-p1", "--dry-run", "--batch"], cwd=root, input=patch, capture_output=True)
        assert done.returncode == 0, done.stdout.decode(errors="replace")
    git_apply(root, patch)
    after = checked(root, capsys)
    for path, line in added.items():
        assert before[path]["status"] == "untagged"
        found = after[path]
        expression = line.split("SPDX-License-Identifier:", 1)[1].strip().removesuffix("*/").strip()
        assert (found["status"], found["expression"]) == ("valid", expression), found
        assert not [f for f in found["findings"] if f["rule"].startswith((*TAG_LINE_RULES, "LT3"))], found
        text = (root / path).read_bytes().split(b"\n")[found["line"] - 1].rstrip(b"\r").decode()
        assert text == line
    licences = {f["expression"] for p, f in after.items() if p in added}
    assert "MIT" in licences  # amdgpu
    assert any("OR" in e and "BSD-3-Clause" in e for e in licences)  # tipc's dual licence
    assert any("or-later" in e or e.endswith("+") for e in licences)  # "or (at your option) any later version"
    assert any(p.endswith(".h") for p in added) and any(p.endswith(".rst") for p in added)
    # what is still untagged had no notice to go by, or was skipped and said so
    catalog = load_catalog(str(root))
    for path, found in after.items():
        if found["status"] == "untagged" and path in before and printable(path) == path:
            data = (root / path).read_bytes()[:HEAD_BYTES]
            assert find_notice(data, path, catalog) is None or path in skipped, path


@needs_git
def test_the_patch_export_is_the_suggested_patch_of_the_files_chosen(small_tree: Path, tmp_path: Path, capsys):
    """`lictree export --format patch` (and the UI's `x`, which a browser downloads) writes what `suggest` writes,
    of the files a filter chooses."""
    whole, chosen, suggested = tmp_path / "whole.patch", tmp_path / "chosen.patch", tmp_path / "suggested.patch"
    assert main(["suggest", str(small_tree), "-o", str(suggested)]) == 0
    assert main(["export", str(small_tree), "--format", "patch", "-o", str(whole), "--no-cache"]) == 0
    assert whole.read_bytes() == suggested.read_bytes()
    assert main(["export", str(small_tree), "--format", "patch", "-o", str(chosen), "--no-cache",
                 "--filter", "path:drivers/"]) == 0
    patch = chosen.read_bytes()
    assert patch.count(b"diff --git ") == 1 and b"a/drivers/gpu/mit.c b/drivers/gpu/mit.c" in patch
    before = snapshot_tree(small_tree)
    git_apply(small_tree, whole.read_bytes(), "--check")
    assert snapshot_tree(small_tree) == before
    capsys.readouterr()
    assert main(["export", str(small_tree), "--format", "patch", "-o", "-", "--filter", "status:valid"]) == 0
    assert capsys.readouterr().out == ""  # no untagged file chosen: an empty patch
