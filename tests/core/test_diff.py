"""The licence diff on a small tree: a git repository of the demo tree with a second commit that adds,
removes, renames, retags (same licence, new spelling), relicenses and untags files and adds a LICENSES/
file; compared as two revisions and as two directories, each checked against what the test did."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO, READERS, use_reader
from tui.core import diff as diff_mod
from tui.core import dirpair
from tui.core import revision as rev_mod
from tui.core.build import build_index
from tui.core.catalog import Catalog

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}

CC0 = ("Valid-License-Identifier: CC0-1.0\nSPDX-URL: https://spdx.org/licenses/CC0-1.0.html\nUsage-Guide:\n"
       "  SPDX-License-Identifier: CC0-1.0\nLicense-Text:\nCC0 text\n")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=GIT_ENV).stdout


def retag(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


#: What the second commit does, for the tests to check against.
ADDED = {"drivers/new/mit.c": "MIT", "drivers/new/bsd.h": "BSD-3-Clause"}
REMOVED = {"drivers/gpu/shared.c", "kernel/printk.c"}
RENAMED = {"lib/demo-lib/crc.c": "lib/crc/crc.c"}
SPELLING = {"kernel/sched.c": ("GPL-2.0-only", "GPL-2.0")}  # the same licence
RELICENSED = {"kernel/fork.c": ("GPL-2.0-or-later", "MIT")}
MODIFIED_SAME = {"drivers/net/foo.h"}  # content changed, verdict not


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("diff") / "linux"
    shutil.copytree(DEMO, repo, symlinks=True)
    git(repo, "init", "-q")
    git(repo, "add", "-A", "-f")
    git(repo, "commit", "-qm", "old")
    git(repo, "tag", "old")
    for path, licence in ADDED.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        style = "//" if path.endswith(".c") else "/*"
        end = "" if style == "//" else " */"
        (repo / path).write_text(f"{style} SPDX-License-Identifier: {licence}{end}\nint {Path(path).stem}_x;\n")
    for path in REMOVED:
        git(repo, "rm", "-q", path)
    for old, new in RENAMED.items():
        (repo / new).parent.mkdir(parents=True, exist_ok=True)
        git(repo, "mv", old, new)
        with open(repo / new, "a") as handle:
            handle.write("/* moved */\n")
    for path, (before, after) in {**SPELLING, **RELICENSED}.items():
        retag(repo / path, f"SPDX-License-Identifier: {before}", f"SPDX-License-Identifier: {after}")
    for path in MODIFIED_SAME:
        with open(repo / path, "a") as handle:
            handle.write("/* a change that is no licence change */\n")
    (repo / "LICENSES/preferred/CC0-1.0").write_text(CC0)  # drivers/misc/cc0.c becomes valid, unchanged
    git(repo, "add", "-A", "-f")
    git(repo, "commit", "-qm", "new")
    git(repo, "tag", "new")
    return repo


def checkout(repo: Path, rev: str, where: Path) -> Path:
    """A directory with the files of *rev* (a clone: a git tree of its own)."""
    subprocess.run(["git", "clone", "-q", "--shared", str(repo), str(where)], check=True, capture_output=True)
    git(where, "checkout", "-q", rev)
    return where


def by_change(diff: diff_mod.Diff) -> dict[str, dict[str, diff_mod.FileDiff]]:
    out: dict[str, dict[str, diff_mod.FileDiff]] = {kind: {} for kind in diff_mod.CHANGE_KINDS}
    for item in diff.files:
        out[item.change][item.path] = item
    return out


def check_expected(diff: diff_mod.Diff) -> None:
    kinds = by_change(diff)
    assert set(kinds["added"]) == set(ADDED) | {"LICENSES/preferred/CC0-1.0"}
    for path, licence in ADDED.items():
        assert kinds["added"][path].new.expression == licence
        assert kinds["added"][path].same_license is None and kinds["added"][path].old is None
    assert set(kinds["removed"]) == REMOVED
    assert all(item.old is not None and item.new is None for item in kinds["removed"].values())
    assert {item.old_path: path for path, item in kinds["renamed"].items()} == RENAMED
    changed = kinds["changed"]
    assert set(changed) == set(SPELLING) | set(RELICENSED) | {"drivers/misc/cc0.c"}
    for path, (before, after) in SPELLING.items():
        assert (changed[path].old.expression, changed[path].new.expression) == (before, after)
        assert changed[path].same_license is True
    for path, (before, after) in RELICENSED.items():
        assert (changed[path].old.expression, changed[path].new.expression) == (before, after)
        assert changed[path].same_license is False
    cc0 = changed["drivers/misc/cc0.c"]  # judged by each side's own LICENSES/
    assert (cc0.old.status, cc0.new.status, cc0.same_license) == ("invalid", "valid", True)
    assert diff.modified_same == len(MODIFIED_SAME)
    assert diff.licenses_dir["added"] == ["LICENSES/preferred/CC0-1.0"]
    assert diff.licenses_dir["ids_added"] == ["CC0-1.0"]
    summary = diff.summary()
    assert summary["files"]["license_changed"] == len(RELICENSED)
    assert summary["licenses"]["MIT"]["added"] == 1 + len(RELICENSED)  # the new MIT file and the relicensed one
    assert summary["licenses"]["GPL-2.0-or-later"]["removed"] == 1


def test_two_revisions(repo: Path):
    old, new = diff_mod.open_sides("old", "new", str(repo))
    assert isinstance(old, diff_mod.RevSide) and isinstance(new, diff_mod.RevSide)
    check_expected(diff_mod.compare(old, new))


def test_two_directories(repo: Path, tmp_path: Path):
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    diff = diff_mod.compare(*diff_mod.open_sides(str(a), str(b)))
    check_expected(diff)
    assert diff.old["rev"] is None and diff.old["root"] == str(a)


def test_directories_without_git_find_the_same(repo: Path, tmp_path: Path):
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    shutil.rmtree(a / ".git")
    shutil.rmtree(b / ".git")
    check_expected(diff_mod.compare(*diff_mod.open_sides(str(a), str(b))))


def test_a_revision_against_a_directory(repo: Path, tmp_path: Path):
    b = checkout(repo, "new", tmp_path / "b")
    check_expected(diff_mod.compare(diff_mod.open_side("old", str(repo)), diff_mod.open_side(str(b))))


def test_a_second_run_reads_no_blob(repo: Path):
    first = diff_mod.compare(*diff_mod.open_sides("old", "new", str(repo)))
    assert first.files_read > 0
    diff_mod.BlobStore._open.clear()  # as a new process would
    second = diff_mod.compare(*diff_mod.open_sides("old", "new", str(repo)))
    assert second.files_read == 0
    assert [f.as_json() for f in second.files] == [f.as_json() for f in first.files]
    kept = diff_mod.kept_or_compared("old", "new", str(repo))
    again = diff_mod.kept_or_compared("old", "new", str(repo))
    assert again.files_read == 0 and [f.as_json() for f in again.files] == [f.as_json() for f in kept.files]


def test_two_directories_are_kept_while_unchanged(repo: Path, tmp_path: Path):
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    first = diff_mod.kept_or_compared(str(a), str(b))
    assert first.files_read > 0
    check_expected(diff_mod.kept_or_compared(str(a), str(b)))
    assert diff_mod.kept_or_compared(str(a), str(b)).files_read == 0
    with open(b / "kernel/sched.c", "a") as handle:  # an edit: the diff is made again, with it
        handle.write("/* edited */\n")
    retag(b / "drivers/net/bar.c", "GPL-2.0-only", "MIT")
    again = diff_mod.kept_or_compared(str(a), str(b))
    assert again.by_path["drivers/net/bar.c"].same_license is False


def test_a_rename_to_a_file_git_does_not_vouch_for_is_found(repo: Path, tmp_path: Path):
    """A file moved, edited a little and not added (untracked) in the new tree: its bytes are given to git for
    the rename search (git's objects do not hold them), and it is found renamed."""
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "old", tmp_path / "b")
    moved = (b / "kernel/fork.c").read_text() + "/* moved, not added */\n"
    git(b, "rm", "-q", "kernel/fork.c")
    (b / "kernel/spawn.c").write_text(moved)
    diff = diff_mod.compare(*diff_mod.open_sides(str(a), str(b), use_cache=False))
    kinds = by_change(diff)
    assert {item.old_path: path for path, item in kinds["renamed"].items()} == {"kernel/fork.c": "kernel/spawn.c"}
    assert not kinds["added"] and not kinds["removed"]


def test_git_directories_read_only_what_differs(repo: Path, tmp_path: Path):
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    (a / "LICENSES/preferred/CC0-1.0").write_text(CC0)  # (untracked: both sides judged alike, by blob id)
    (a / "drivers/net/foo.h").write_text((b / "drivers/net/foo.h").read_text())  # edited: now as the new side's
    old, new = diff_mod.open_sides(str(a), str(b), use_cache=False)
    assert isinstance(old, diff_mod.DirSide) and old.by_blob and old.index is None
    diff = diff_mod.compare(old, new)
    kinds = by_change(diff)
    assert set(kinds["changed"]) == set(SPELLING) | set(RELICENSED)
    assert diff.modified_same == 0
    assert "LICENSES/preferred/CC0-1.0" not in kinds["added"]
    listed = len(subprocess.run(["git", "-C", str(b), "ls-files"], capture_output=True, check=True).stdout.split())
    assert 0 < diff.files_read < listed / 2  # the files that differ, not the trees


def test_a_directory_diff_writes_nothing_to_either_repository(repo: Path, tmp_path: Path):
    """Renames are looked for in a scratch repository that borrows both trees' objects: git must not touch
    them (it "freshens" an object it would write that they hold, e.g. the tree of a directory wholly added)."""
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    gits = [repo / ".git", a / ".git", b / ".git"]
    for top in gits:
        for path in top.rglob("*"):
            os.utime(path, (1e9, 1e9), follow_symlinks=False)
    before = {p: p.lstat().st_mtime_ns for top in gits for p in top.rglob("*")}
    diff = diff_mod.compare(*diff_mod.open_sides(str(a), str(b), use_cache=False))
    assert {item.old_path: path for path, item in by_change(diff)["renamed"].items()} == RENAMED
    assert {p: p.lstat().st_mtime_ns for top in gits for p in top.rglob("*")} == before


def test_directories_with_most_files_to_read_are_indexed_whole(repo: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(diff_mod, "INDEX_MIN", 0)
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    old, new = diff_mod.open_sides(str(a), str(b), use_cache=False)
    check_expected(diff_mod.compare(old, new))  # (LICENSES/ changed: every file of both sides judged)
    assert old.index is not None and new.index is not None


def checked_pair(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Both sides checked out and indexed, as `lictree check` leaves them (their index caches in this test's
    cache directory, looked in for any number of files); no blob store in memory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(diff_mod, "CACHE_LOOKUP", 1)
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    for tree in (a, b):
        build_index(str(tree))
    diff_mod.BlobStore._open.clear()
    return a, b


@pytest.mark.parametrize("reader", READERS)
def test_checked_directories_take_verdicts_from_their_index_caches(repo: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch, reader: str):
    """With the C reader (the two indexes merged in C) or without (the indexes compared by git)."""
    use_reader(monkeypatch, reader)
    a, b = checked_pair(repo, tmp_path, monkeypatch)
    pair = dirpair.start_pair(str(a), str(b))
    assert pair.index_diff is not None and (pair.index_diff.stamps is not None) == (reader == "c")
    diff = diff_mod.compare(*diff_mod.open_sides(str(a), str(b), started=pair), index_diff=pair.index_diff)
    check_expected(diff)
    links = sum(1 for side in (a, b) for p in side.rglob("*") if p.is_symlink() and ".git" not in p.parts)
    assert diff.files_read <= links  # (a symlink is read again: its verdict depends on where it points)


def test_an_index_cache_whose_columns_disagree_is_read_past(repo: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    """A damaged index cache (cut short; a key column whose starts point past it) is no cache: the files are
    read."""
    import pickle

    from tui.core import cache as cache_mod

    a, b = checked_pair(repo, tmp_path, monkeypatch)
    for tree in (a, b):
        columns = cache_mod._columns_path(cache_mod.cache_path(str(tree)))
        with open(columns, "r+b") as handle:
            data = pickle.load(handle)
            if tree == a:
                handle.truncate(os.fstat(handle.fileno()).st_size - 1)
                continue
            (path_bytes, path_starts), _keys = data["columns"][cache_mod.RAW].values()
            handle.seek(path_starts + path_bytes + 8, os.SEEK_CUR)  # the key column's second start
            handle.write((1 << 40).to_bytes(8, sys.byteorder))
    diff = diff_mod.compare(*diff_mod.open_sides(str(a), str(b)))
    check_expected(diff)
    assert diff.files_read > 0


def test_blob_verdicts_equal_a_scan_of_the_checkout(repo: Path, tmp_path: Path):
    """Every file of a revision, read from git's objects, gets the verdict a scan of its checkout gives."""
    where = checkout(repo, "new", tmp_path / "b")
    compare_blobs_with_checkout(str(repo), "new", str(where), None)


def compare_blobs_with_checkout(repo: str, rev: str, tree: str, paths: list[str] | None) -> int:
    index = build_index(tree, use_cache=False)
    side = diff_mod.open_side(rev, repo, use_cache=False)
    assert isinstance(side, diff_mod.RevSide)
    wanted = paths if paths is not None else list(index.paths)
    got = side.outcomes(wanted)
    differ = []
    for path in wanted:
        i = index.position(path)
        if i is None:  # not a file of the index (a symlink to a directory): not one of the revision either
            assert path not in got
            continue
        expected = (index.status[i], index.exprs[i], index.lines[i], index.findings.get(path, ()),
                    index.notices.get(path))
        if tuple(got[path])[:5] != expected:  # (a kernel tree's outcomes have no REUSE origin)
            differ.append((path, tuple(got[path]), expected))
    assert differ == []
    return len(wanted)


@pytest.mark.parametrize(("a", "b", "same"), [
    ("GPL-2.0", "GPL-2.0-only", True),
    ("GPL-2.0+", "GPL-2.0-or-later", True),
    ("GPL-2.0", "GPL-2.0+", False),
    ("GPL-2.0-only", "GPL-2.0-or-later", False),
    ("GPL-2.0 or MIT", "MIT OR GPL-2.0-only", True),
    ("(GPL-2.0-only OR BSD-3-Clause)", "GPL-2.0 OR BSD-3-Clause", True),
    ("GPL-2.0 WITH Linux-syscall-note", "GPL-2.0-only WITH Linux-syscall-note", True),
    ("GPL-2.0 WITH Linux-syscall-note", "GPL-2.0", False),
    ("GPL-2.0 OR MIT", "GPL-2.0 AND MIT", False),
    ("mit", "MIT", True),
])
def test_same_license_only_when_only_the_spelling_changed(a: str, b: str, same: bool):
    catalog = Catalog()
    assert (diff_mod.license_key(a, catalog) == diff_mod.license_key(b, catalog)) is same


def test_dir_delta_aggregates_below_a_directory(repo: Path):
    diff = diff_mod.compare(*diff_mod.open_sides("old", "new", str(repo)))
    assert diff.dir_delta("drivers/new") == {"BSD-3-Clause": 1, "MIT": 1}
    assert diff.dir_delta("kernel")["MIT"] == 1


def test_unknown_revision_is_one_line(repo: Path):
    with pytest.raises(diff_mod.DiffError, match="no-such-rev"):
        diff_mod.open_side("no-such-rev", str(repo))


@pytest.mark.parametrize("forked", [False, True])
def test_a_missing_object_is_a_revision_error(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              forked: bool):
    if forked:  # read by forked readers, as a large diff is: the same one line
        monkeypatch.setattr(diff_mod, "FORK_THRESHOLD", 0)
    broken = tmp_path / "broken"
    subprocess.run(["git", "clone", "-q", "--no-local", str(repo), str(broken)], check=True, capture_output=True)
    oid = git(broken, "rev-parse", "new:drivers/new/mit.c").strip()
    git(broken, "repack", "-a", "-d", "-q")
    for pack in (broken / ".git/objects/pack").glob("*.pack"):
        pack.chmod(0o644)
    # unpack everything loose, then remove one blob
    for pack in list((broken / ".git/objects/pack").glob("*.pack")):
        data = pack.read_bytes()
        for leftover in pack.parent.glob(pack.stem + ".*"):
            leftover.unlink()
        subprocess.run(["git", "-C", str(broken), "unpack-objects", "-q"], input=data, check=True)
    (broken / ".git/objects" / oid[:2] / oid[2:]).unlink()
    old, new = diff_mod.open_sides("old", "new", str(broken), use_cache=False)
    with pytest.raises((rev_mod.RevisionError, diff_mod.DiffError), match="missing") as caught:
        diff_mod.compare(old, new)
    message = str(caught.value)
    assert message.startswith(oid) and "\n" not in message and "Error" not in message
