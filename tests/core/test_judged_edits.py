"""A cold `lictree check` does not run ``git diff-files``: its readers tell the files git would find edited by
the stat of each file they open, against what git's index recorded (``scan.start_listing(edits_by_readers=True)``).
What they find must be what git finds, file for file, in every way a work tree can differ from its index, so
that the cache keys and the listing's signature are those of a listing that asked git; and where the index or
the settings do not let them judge as git does, git is asked."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tui.core import scan
from tui.core.build import build_index

pytest.importorskip("tui.core._fastread", reason="the C reader is not built")
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

FILES = {
    "a.c": "// SPDX-License-Identifier: GPL-2.0\nint a;\n",
    "b.c": "// SPDX-License-Identifier: MIT\nint b;\n",
    "c.h": "/* SPDX-License-Identifier: GPL-2.0 */\n",
    "d.c": "int untagged;\n",
    "e.c": "// SPDX-License-Identifier: GPL-2.0\n",
    "f.c": "// SPDX-License-Identifier: GPL-2.0\n",
    "g.c": "// SPDX-License-Identifier: GPL-2.0\n",
    "empty.c": "",
    "dir/h.c": "// SPDX-License-Identifier: GPL-2.0-only\n",
    "scripts/spdxexclude": "excluded/\n",
    "excluded/x.c": "int x;\n",
    "excluded/y.c": "int y;\n",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def make_repo(root: Path) -> Path:
    write_tree(root, FILES)
    os.symlink("a.c", root / "link")
    os.symlink("b.c", root / "link2")
    past = time.time() - 1000  # recorded well before the index is written: no entry is racily clean
    for path in root.rglob("*"):
        os.utime(path, (past, past), follow_symlinks=False)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    return root


def git_edited(root: Path) -> set[str]:
    out = subprocess.run(["git", "-C", str(root), "diff-files", "--name-only", "-z"], check=True,
                         capture_output=True).stdout
    return {os.fsdecode(p) for p in out.split(b"\0") if p}


def judged(root: Path):
    listing = scan.start_listing(str(root), edits_by_readers=True)()
    return listing


def columns(index) -> list[tuple]:
    return [(p, index.status[i], index.exprs[i], index.findings.get(p, ())) for i, p in enumerate(index.paths)]


def edit_every_way(root: Path) -> None:
    (root / "a.c").write_text("// SPDX-License-Identifier: MIT\nint a;\n")  # same size, other bytes
    now = time.time()
    os.utime(root / "b.c", (now, now))  # touched only: git finds it edited (a stat change)
    os.chmod(root / "c.h", 0o755)  # made executable
    (root / "d.c").unlink()  # deleted
    (root / "e.c").unlink()
    os.symlink("a.c", root / "e.c")  # now a symlink
    (root / "f.c").unlink()
    (root / "f.c").mkdir()  # now a directory
    (root / "f.c" / "inner.c").write_text("int inner;\n")
    (root / "empty.c").write_text("int grown;\n")
    (root / "excluded" / "x.c").write_text("int xx;\n")  # an excluded file edited
    (root / "link").unlink()
    os.symlink("b.c", root / "link")  # a symlink retargeted


def test_the_readers_find_the_files_git_finds_edited_and_the_listing_is_the_one_git_gives(tmp_path):
    root = make_repo(tmp_path / "tree")
    edit_every_way(root)
    expected = git_edited(root)
    assert expected >= {"a.c", "b.c", "c.h", "d.c", "e.c", "f.c", "empty.c", "excluded/x.c", "link"}
    listing = judged(root)
    assert listing.stats is not None  # the readers judge
    index = build_index(str(root), use_cache=False, listing=lambda: listing)
    assert {os.fsdecode(p) for p in listing.dirty} == expected
    asked = scan.start_listing(str(root))()
    assert listing.signature == asked.signature != ""
    reference = build_index(str(root), use_cache=False, listing=lambda: scan.start_listing(str(root))())
    assert columns(index) == columns(reference)  # the edited files read as when git said they were edited


def test_an_unchanged_tree_has_no_edits_and_the_signature_of_an_ordinary_listing(tmp_path):
    root = make_repo(tmp_path / "tree")
    listing = judged(root)
    assert listing.stats is not None
    build_index(str(root), use_cache=False, listing=lambda: listing)
    assert listing.dirty == frozenset() and git_edited(root) == set()
    assert listing.signature == scan.start_listing(str(root))().signature


def test_cold_then_warm_check_keeps_the_report_and_edits_show_next_time(tmp_path, capsys, monkeypatch):
    from tui.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = make_repo(tmp_path / "tree")
    assert main(["check", str(root), "--format", "json", "--fail-on", "never"]) == 0
    cold = capsys.readouterr().out
    assert main(["check", str(root), "--format", "json", "--fail-on", "never"]) == 0
    assert capsys.readouterr().out == cold
    edit_every_way(root)
    assert main(["check", str(root), "--format", "json", "--fail-on", "never"]) == 0
    warm = capsys.readouterr().out
    shutil.rmtree(tmp_path / "cache")
    assert main(["check", str(root), "--format", "json", "--fail-on", "never"]) == 0
    assert capsys.readouterr().out == warm  # a cold run of the edited tree says the same


@pytest.mark.parametrize("setup", ["racy", "assume-unchanged", "filemode", "submodule", "index-v4", "unmerged-free v3"])
def test_where_the_readers_cannot_judge_as_git_does_git_is_asked(tmp_path, setup):
    root = make_repo(tmp_path / "tree")
    if setup == "racy":  # an entry recorded in the second the index was written: git compares its content
        now = time.time()
        os.utime(root / "a.c", (now, now))
        git(root, "update-index", "--refresh")
    elif setup == "assume-unchanged":
        git(root, "update-index", "--assume-unchanged", "b.c")
    elif setup == "filemode":
        git(root, "config", "core.fileMode", "false")
    elif setup == "submodule":  # a gitlink: git looks into the submodule's repository
        git(root, "update-index", "--add", "--cacheinfo", f"160000,{git(root, 'rev-parse', 'HEAD').strip()},sub")
    elif setup == "index-v4":
        git(root, "update-index", "--index-version", "4")
    else:
        git(root, "update-index", "--index-version", "3")
    edit_every_way(root)
    listing = judged(root)
    readers_judge = setup in ("index-v4", "unmerged-free v3")
    assert (listing.stats is not None) == readers_judge
    build_index(str(root), use_cache=False, listing=lambda: listing)
    assert {os.fsdecode(p) for p in listing.dirty} == git_edited(root)
    assert listing.signature == scan.start_listing(str(root))().signature != ""


def test_a_file_below_a_directory_now_a_symlink_is_edited_as_git_says(tmp_path):
    """git takes a file whose leading directory became a symlink for deleted, even where the symlink leads to
    the very file (moved with its directory: same inode, same stat); so must the readers, for each directory
    however the paths around it share a prefix."""
    files = {f"{d}/{n}.c": f"int {n};\n" for d in ("ab", "ab/x", "ab/x/y", "ab-c", "abc", "b", "b/ab") for n in "pq"}
    root = tmp_path / "tree"
    write_tree(root, files)
    past = time.time() - 1000
    for path in root.rglob("*"):
        os.utime(path, (past, past), follow_symlinks=False)
    git(root, "init", "-q")
    git(root, "add", "-A")
    for moved in ("ab/x", "abc"):
        os.rename(root / moved, tmp_path / moved.replace("/", "-"))
        os.symlink(tmp_path / moved.replace("/", "-"), root / moved)
    expected = git_edited(root)
    assert expected == {p for p in files if p.startswith(("ab/x/", "abc/"))}
    listing = judged(root)
    assert listing.stats is not None
    build_index(str(root), use_cache=False, listing=lambda: listing)
    assert {os.fsdecode(p) for p in listing.dirty} == expected
    assert listing.signature == scan.start_listing(str(root))().signature
