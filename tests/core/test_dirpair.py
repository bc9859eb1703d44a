"""Two git work trees diffed by what git finds their indexes hold differently (``dirpair.IndexDiff``): the same
diff as comparing their ``ls-files -s`` records, and whatever is staged, edited or added after a diff was made
(kept, or its verdicts kept by blob id) shows in the next one."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.core.test_diff import ADDED, CC0, GIT_ENV, by_change, check_expected, checkout, git, repo, retag  # noqa: F401
from tui.cli import main
from tui.core import diff as diff_mod
from tui.core import dirpair


def diff_json(capsys: pytest.CaptureFixture, a: Path, b: Path) -> dict:
    code = main(["diff", str(a), str(b), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def files_of(data: dict) -> dict[str, dict]:
    return {item["path"]: item for item in data["files"]}


def forget_kept_diffs(cache: Path) -> None:
    """As bench_diff's "dirs indexed": the verdicts kept by blob id, the diff itself not."""
    for kept in (cache / "lictree").glob("diff-*"):
        kept.unlink()


@pytest.fixture
def by_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """The indexes compared by git (``IndexDiff`` asks ``diff-index``), not read here (``read_indexes``)."""
    monkeypatch.setattr(dirpair, "read_indexes", lambda old, new: None)


@pytest.mark.parametrize("asked", ["git", "read"])
def test_git_finds_the_records_that_differ(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                           asked: str):
    if asked == "git":
        monkeypatch.setattr(dirpair, "read_indexes", lambda old, new: None)
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    pair = dirpair.start_pair(str(a), str(b), use_cache=False)
    assert pair.index_diff is not None
    old, new = diff_mod.open_sides(str(a), str(b), use_cache=False, started=pair)
    assert isinstance(old, diff_mod.DirSide) and isinstance(new, diff_mod.DirSide)
    by_git = pair.index_diff.records()
    assert by_git is not None
    assert list(by_git) == diff_mod._differing_records(old, new, set())  # what a comparison of the records finds
    check_expected(diff_mod.compare(old, new, index_diff=pair.index_diff))


@pytest.mark.usefixtures("by_git")
def test_git_declines_when_the_old_index_is_not_its_head(repo: Path, tmp_path: Path):  # noqa: F811
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    retag(a / "drivers/net/bar.c", "GPL-2.0-only", "MIT")
    git(a, "add", "drivers/net/bar.c")  # staged, not committed
    pair = dirpair.start_pair(str(a), str(b), use_cache=False)
    assert pair.index_diff is not None and pair.index_diff.records() is None
    pair = dirpair.start_pair(str(a), str(b), use_cache=False)
    diff = diff_mod.compare(*diff_mod.open_sides(str(a), str(b), use_cache=False, started=pair),
                            index_diff=pair.index_diff)
    assert diff.by_path["drivers/net/bar.c"].same_license is False  # MIT (staged) -> GPL-2.0-only


def merge_in_conflict(tree: Path) -> int:
    """Two branches retag drivers/net/bar.c differently and are merged: git's exit status (a conflict)."""
    git(tree, "checkout", "-q", "-b", "one")
    retag(tree / "drivers/net/bar.c", "GPL-2.0-only", "MIT")
    git(tree, "commit", "-qam", "MIT")
    git(tree, "checkout", "-q", "-b", "two", "HEAD~1")
    retag(tree / "drivers/net/bar.c", "GPL-2.0-only", "BSD-3-Clause")
    git(tree, "commit", "-qam", "BSD")
    return subprocess.run(["git", "-C", str(tree), "merge", "-q", "one"], capture_output=True,
                          env=GIT_ENV).returncode


def test_unmerged_paths_are_compared_as_listed(repo: Path, tmp_path: Path):  # noqa: F811
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    assert merge_in_conflict(b) != 0  # a conflict: bar.c has three stages in the new tree's index
    pair = dirpair.start_pair(str(a), str(b), use_cache=False)
    assert pair.index_diff is not None and pair.index_diff.records() is None
    diff = diff_mod.kept_or_compared(str(a), str(b))
    text = (b / "drivers/net/bar.c").read_text()
    assert "<<<<<<<" in text and text.index("BSD-3-Clause") < text.index("MIT")
    assert diff.by_path["drivers/net/bar.c"].new.expression == "BSD-3-Clause"  # the first tag of the file on disk


def test_what_changes_after_a_diff_shows_in_the_next(repo: Path, tmp_path: Path, private_cache: Path,  # noqa: F811
                                                     capsys: pytest.CaptureFixture):
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    (a / "LICENSES/preferred/CC0-1.0").write_text(CC0)  # (untracked: one context, both trees compared by blob id)
    first = diff_json(capsys, a, b)
    links = sum(1 for side in (a, b) for p in side.rglob("*") if p.is_symlink() and ".git" not in p.parts)
    assert first["tool"]["files_read"] > links
    forget_kept_diffs(private_cache)
    again = diff_json(capsys, a, b)
    assert again["tool"]["files_read"] <= links and again["files"] == first["files"]  # (verdicts kept by blob id)
    # staged in the new tree (its index, and so the listing git keeps, changed)
    retag(b / "drivers/net/bar.c", "GPL-2.0-only", "MIT")
    git(b, "add", "drivers/net/bar.c")
    forget_kept_diffs(private_cache)
    staged = files_of(diff_json(capsys, a, b))
    assert staged["drivers/net/bar.c"]["new"]["expression"] == "MIT"
    # staged in the old tree (its index no longer the tree git found it to hold)
    retag(a / "drivers/net/foo.h", "GPL-2.0 OR MIT", "BSD-3-Clause")
    git(a, "add", "drivers/net/foo.h")
    forget_kept_diffs(private_cache)
    assert files_of(diff_json(capsys, a, b))["drivers/net/foo.h"]["old"]["expression"] == "BSD-3-Clause"
    git(a, "reset", "-q", "--hard")
    # edited, not staged, in the old tree: read from disk
    retag(a / "kernel/sched.c", "GPL-2.0-only", "BSD-3-Clause")
    edited = files_of(diff_json(capsys, a, b))
    assert edited["kernel/sched.c"]["old"]["expression"] == "BSD-3-Clause"
    assert edited["drivers/net/bar.c"]["new"]["expression"] == "MIT"
    # committed in the old tree: its HEAD moved, its index with it
    git(a, "commit", "-qam", "BSD")
    forget_kept_diffs(private_cache)
    committed = files_of(diff_json(capsys, a, b))
    assert committed["kernel/sched.c"]["old"]["expression"] == "BSD-3-Clause"
    # a file added with intent (git add -N) in the new tree: in its index, as an empty blob
    (b / "drivers/net/intent.c").write_text("// SPDX-License-Identifier: MIT\nint intent;\n")
    git(b, "add", "-N", "drivers/net/intent.c")
    added = files_of(diff_json(capsys, a, b))
    assert added["drivers/net/intent.c"]["change"] == "added"
    assert added["drivers/net/intent.c"]["new"]["expression"] == "MIT"
    assert set(ADDED) <= set(added) and "LICENSES/preferred/CC0-1.0" not in added


def test_a_kept_diff_is_one_per_pair_of_directories(repo: Path, tmp_path: Path,  # noqa: F811
                                                    private_cache: Path, capsys: pytest.CaptureFixture):
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    diff_json(capsys, a, b)
    retag(b / "drivers/net/bar.c", "GPL-2.0-only", "MIT")
    assert files_of(diff_json(capsys, a, b))["drivers/net/bar.c"]["new"]["expression"] == "MIT"
    assert diff_json(capsys, a, b)["tool"]["files_read"] == 0
    assert len(list((private_cache / "lictree").glob("diff-dirs-*"))) == 1


def test_a_listing_counts_its_files_before_git_lists_them(repo: Path, tmp_path: Path):  # noqa: F811
    from tui.core.scan import start_listing

    a = checkout(repo, "old", tmp_path / "a")
    (a / "untracked.c").write_text("int u;\n")
    full = start_listing(str(a))()
    known = start_listing(str(a), lambda: (full.index_stamp, full.link_records))()  # the index known unchanged
    assert known.raw is None and full.raw is not None
    assert known.count() == full.count() == len(full.paths) == len(known.paths)


@pytest.mark.usefixtures("by_git")
def test_a_remembered_tree_that_is_gone_is_asked_anew(repo: Path, tmp_path: Path):  # noqa: F811
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    assert dirpair.start_pair(str(a), str(b)).index_diff.records() is not None  # (remembered)
    stamp, objects, _tree = dirpair.load_tree_memo(str(a))
    dirpair.save_tree_memo(str(a), stamp, objects, "0" * 40)  # a tree no repository holds
    assert dirpair.start_pair(str(a), str(b)).index_diff.records() is None
    assert dirpair.load_tree_memo(str(a)) is None
    again = dirpair.start_pair(str(a), str(b)).index_diff.records()
    assert again is not None and dirpair.load_tree_memo(str(a)) is not None


def test_read_indexes_find_a_staged_change_git_would_not_vouch_for(repo: Path, tmp_path: Path):  # noqa: F811
    """Two indexes read here are compared as they are: a change staged in the old tree (its index no longer its
    HEAD's tree, where git's diff-index declines) is one of the records that differ."""
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    retag(a / "drivers/net/bar.c", "GPL-2.0-only", "MIT")
    git(a, "add", "drivers/net/bar.c")  # staged, not committed
    pair = dirpair.start_pair(str(a), str(b), use_cache=False)
    assert pair.index_diff is not None
    found = pair.index_diff.records()
    assert found is not None and "drivers/net/bar.c" in found[0]
    old, new = diff_mod.open_sides(str(a), str(b), use_cache=False, started=pair)
    assert list(found) == diff_mod._differing_records(old, new, set())  # type: ignore[arg-type]
    diff = diff_mod.compare(old, new, index_diff=pair.index_diff)
    assert diff.by_path["drivers/net/bar.c"].same_license is False  # MIT (staged) -> GPL-2.0-only


def ls_files_records(root: Path) -> set[bytes]:
    out = subprocess.run(["git", "-C", str(root), "ls-files", "-s", "-z"], capture_output=True, check=True).stdout
    return {record for record in out.split(b"\0") if record}


def records_of(found: dict[str, tuple[bytes, str]]) -> set[bytes]:
    """Records as ``git ls-files -s`` prints them (stage 0)."""
    return {mode + b" " + oid.encode() + b" 0\t" + os.fsencode(path) for path, (mode, oid) in found.items()}


@pytest.mark.parametrize("version", [2, 3, 4])
def test_read_indexes_give_what_a_comparison_of_git_s_records_gives(tmp_path: Path, version: int):
    """Any index version, file modes (executable, symlink, submodule), names that sort by byte (a-b, a/b, a0, é,
    a name longer than an index entry's length field holds) and shared prefixes (v4 compresses them)."""
    a, b = tmp_path / "a", tmp_path / "b"
    long = "d/" + "/".join(["x" * 200] * 21)  # (in the index only: too long a path for the file system)
    names = {"a-b": "1", "a/b": "2", "a0": "3", "é/f.c": "4", "d/y": "5", "keep.c": "same"}
    for root, changed in ((a, {}), (b, {"a/b": "two", "é/f.c": "four", "new/z.c": "7"})):
        for name, text in {**{k: v for k, v in names.items() if not (root == b and k == "a0")}, **changed}.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        git(root, "init", "-q")
        os.symlink("keep.c", root / "link")
        if root == b:
            (b / "d/y").chmod(0o755)
            os.symlink("a0-gone", b / "a0")  # a file that became a symlink
        git(root, "add", "-A")
        sub = "0" * 39 + ("1" if root == a else "2")
        git(root, "update-index", "--add", "--cacheinfo", f"160000,{sub},sub")  # a submodule's commit
        if root == b:
            git(root, "update-index", "--add", "--cacheinfo", f"100644,{'1' * 40},{long}")
        git(root, "update-index", "--index-version", str(version))
    found = dirpair.read_indexes(str(a), str(b))
    assert found is not None
    (old, new), stamps = found
    assert stamps == (scan_stamp(a), scan_stamp(b))
    ra, rb = ls_files_records(a), ls_files_records(b)
    assert records_of(old) == ra - rb and records_of(new) == rb - ra
    assert {"a/b", "é/f.c", "a0", "d/y", "sub"} <= set(old) & set(new) and "new/z.c" in new and long in new


def scan_stamp(root: Path) -> str:
    from tui.core.scan import index_stamp

    return index_stamp(str(root))


@pytest.mark.parametrize("state", ["unmerged", "intent-to-add", "skip-worktree", "split index"])
def test_read_indexes_leave_to_git_what_they_do_not_judge_as_git(repo: Path, tmp_path: Path, state: str):  # noqa: F811
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    if state == "unmerged":
        assert merge_in_conflict(b) != 0
    elif state == "intent-to-add":
        (b / "later.c").write_text("int later;\n")
        git(b, "add", "-N", "later.c")
    elif state == "skip-worktree":
        git(b, "update-index", "--skip-worktree", "drivers/net/bar.c")
    else:
        git(b, "update-index", "--split-index")
    assert dirpair.read_indexes(str(a), str(b)) is None
    assert dirpair.read_indexes(str(b), str(a)) is None
    check = diff_mod.kept_or_compared(str(a), str(b), use_cache=False)
    assert check.files  # (compared all the same, as git says)


@pytest.mark.parametrize("use_cache", [True, False])
def test_indexes_read_other_than_the_ones_listed_are_not_used(repo: Path, tmp_path: Path,  # noqa: F811
                                                              monkeypatch: pytest.MonkeyPatch, use_cache: bool):
    """The indexes are read while the trees are listed: records of an index rewritten in between (its stamp
    not the listing's) are not taken, the listings' records are compared instead."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    a, b = checkout(repo, "new", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    retag(b / "drivers/net/bar.c", "GPL-2.0-only", "MIT")
    git(b, "commit", "-qam", "MIT")  # (committed: not an edit diff-files would name)
    real = dirpair.read_indexes

    def rewritten(old: str, new: str):  # what reading two other indexes, that hold the same, would give
        found = real(old, new)
        assert found is not None and "drivers/net/bar.c" in found[0][1]
        return ({}, {}), ("0:0:0:0", found[1][1])

    monkeypatch.setattr(dirpair, "read_indexes", rewritten)
    pair = dirpair.start_pair(str(a), str(b), use_cache=use_cache)
    assert pair.index_diff is not None and pair.index_diff.stamps is not None
    diffs = [diff_mod.compare(*diff_mod.open_sides(str(a), str(b), use_cache=use_cache, started=pair),
                              index_diff=pair.index_diff),
             diff_mod.kept_or_compared(str(a), str(b), use_cache=use_cache)]
    for diff in diffs:
        assert [(f.path, f.change, f.same_license) for f in diff.files] == [("drivers/net/bar.c", "changed", False)]
