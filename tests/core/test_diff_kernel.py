"""The licence diff on real data: two point releases of Debian's 6.12 source, as directories and as two
commits of one repository, each checked against an independent computation; and a synthetic big change
(thousands of files added, removed, renamed, retagged, relicensed, untagged, and a LICENSES/ file changed).

Runs when LICTREE_KERNEL_TREE (the newer tree) and LICTREE_KERNEL_TREE_OLD (an older point release of the
same series) name kernel git trees (``../shared/kernel/get-kernel``; KERNEL_DEB_VERSION=6.12.107-1~deb12u1
for the older one).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from tests.core.test_diff import compare_blobs_with_checkout
from tui.core import diff as diff_mod

NEW_TREE = os.environ.get("LICTREE_KERNEL_TREE")
OLD_TREE = os.environ.get("LICTREE_KERNEL_TREE_OLD")
pytestmark = pytest.mark.skipif(not (NEW_TREE and OLD_TREE),
                                reason="LICTREE_KERNEL_TREE and LICTREE_KERNEL_TREE_OLD are not both set")

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
_TAG = re.compile(rb"SPDX-License-Identifier:[ \t]*(.*?)[ \t]*(?:\*/|-->|\*\)|$)", re.M)


def git(repo: str | Path, *args: str, data: bytes | None = None, env: dict | None = None) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], input=data, check=True, capture_output=True,
                          env=env or GIT_ENV).stdout


def objects_of(tree: str) -> str:
    common = git(tree, "rev-parse", "--path-format=absolute", "--git-common-dir").decode().strip()
    return os.path.join(common, "objects")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One repository with both releases as commits, tagged old and new (their objects borrowed)."""
    repo = tmp_path_factory.mktemp("kernel-pair") / "repo.git"
    git(tmp_path_factory.getbasetemp(), "init", "-q", "--bare", str(repo))
    (repo / "objects/info/alternates").write_text(f"{objects_of(OLD_TREE)}\n{objects_of(NEW_TREE)}\n")
    for tag, tree in (("old", OLD_TREE), ("new", NEW_TREE)):
        git(repo, "update-ref", f"refs/tags/{tag}", git(tree, "rev-parse", "HEAD").decode().strip())
    return repo


def listing(repo: Path, rev: str) -> dict[str, str]:
    out = git(repo, "ls-tree", "-r", "-z", rev)
    found = {}
    for record in out.split(b"\0"):
        if record:
            meta, _, path = record.partition(b"\t")
            found[os.fsdecode(path)] = meta.split(b" ")[2].decode()
    return found


def blobs(repo: Path, oids: list[str]) -> dict[str, bytes]:
    out = git(repo, "cat-file", "--batch", data="".join(f"{o}\n" for o in oids).encode())
    found: dict[str, bytes] = {}
    at = 0
    for oid in oids:
        end = out.index(b"\n", at)
        size = int(out[at:end].split(b" ")[2])
        found[oid] = out[end + 1 : end + 1 + size]
        at = end + 2 + size
    return found


def first_tags(repo: Path, oids: list[str]) -> dict[str, str | None]:
    """The first tag in each blob's first 15 lines, whitespace folded (independent of lictree's reader)."""
    tags: dict[str, str | None] = {}
    for oid, body in blobs(repo, oids).items():
        head = b"\n".join(body.split(b"\n")[:15])
        match = _TAG.search(head)
        tags[oid] = " ".join(match.group(1).decode("utf-8", "replace").split()) if match else None
    return tags


@pytest.fixture(scope="module")
def rev_diff(pair: Path) -> diff_mod.Diff:
    return diff_mod.compare(*diff_mod.open_sides("old", "new", str(pair)))


def test_revisions_against_an_independent_computation(pair: Path, rev_diff: diff_mod.Diff):
    old, new = listing(pair, "old"), listing(pair, "new")
    only_old, only_new = set(old) - set(new), set(new) - set(old)
    kinds = {kind: [f for f in rev_diff.files if f.change == kind] for kind in diff_mod.CHANGE_KINDS}
    renamed = {(f.old_path, f.path) for f in kinds["renamed"]}
    assert {f.path for f in kinds["removed"]} | {o for o, _n in renamed} == only_old
    assert {f.path for f in kinds["added"]} | {n for _o, n in renamed} == only_new
    for f in kinds["added"]:
        assert f.new is not None and f.old is None
    # tag changes: paths in both whose first tag differs, read here with a regex of our own
    modified = [p for p in set(old) & set(new) if old[p] != new[p]]
    assert len(modified) > 1000  # a point release: thousands of files modified
    tags_old = first_tags(pair, [old[p] for p in modified])
    tags_new = first_tags(pair, [new[p] for p in modified])
    retagged = {p for p in modified if tags_old[old[p]] != tags_new[new[p]]}
    listed = {f.path for f in kinds["changed"] if f.old.expression != f.new.expression}
    assert listed == retagged
    # every "changed" file is a modified one (LICENSES/ did not change), and the rest are counted
    assert {f.path for f in kinds["changed"]} <= set(modified)
    assert rev_diff.modified_same == len(modified) - len(kinds["changed"])
    assert rev_diff.licenses_dir["changed"] == sorted(p for p in modified if p.startswith("LICENSES/"))


def test_directories_give_the_diff_of_the_revisions(rev_diff: diff_mod.Diff):
    # (no cache: the blob store the revisions filled would hand their verdicts over; these are read from disk)
    old, new = diff_mod.open_sides(OLD_TREE, NEW_TREE, use_cache=False)
    assert isinstance(old, diff_mod.DirSide) and old.by_blob
    dirs = diff_mod.compare(old, new)
    assert [f.as_json() for f in dirs.files] == [f.as_json() for f in rev_diff.files]
    # a directory's symlinks are compared by what they point at: a target that changed counts
    assert abs(dirs.modified_same - rev_diff.modified_same) <= 5
    # only what differs was read: the files of the diff (both sides of each), not the trees
    assert 0 < dirs.files_read <= 2 * (len(dirs.files) + dirs.modified_same) + 200
    summaries = [diff.summary() for diff in (dirs, rev_diff)]
    for summary in summaries:
        summary["files"].pop("modified_same_verdict")  # (the symlinks: above)
    assert summaries[0] == summaries[1]


def test_indexed_directories_take_their_verdicts_from_the_index_cache(rev_diff: diff_mod.Diff,
                                                                      tmp_path: Path, monkeypatch):
    """Two trees a check indexed (their index caches), never diffed: the verdicts come from the caches."""
    from tui.core.build import build_index

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    diff_mod.BlobStore._open.clear()
    for tree in (OLD_TREE, NEW_TREE):
        build_index(tree)
    dirs = diff_mod.compare(*diff_mod.open_sides(OLD_TREE, NEW_TREE))
    assert [f.as_json() for f in dirs.files] == [f.as_json() for f in rev_diff.files]
    assert dirs.files_read < 200  # (symlinks whose target changed, and what the caches do not hold)


def test_a_second_run_reads_nothing(pair: Path, rev_diff: diff_mod.Diff):
    first = diff_mod.compare(*diff_mod.open_sides("old", "new", str(pair)))  # (this test's own cache directory)
    assert first.files_read > 0
    diff_mod.BlobStore._open.clear()
    again = diff_mod.compare(*diff_mod.open_sides("old", "new", str(pair)))
    assert again.files_read == 0
    assert [f.as_json() for f in again.files] == [f.as_json() for f in rev_diff.files]


def test_blob_verdicts_equal_a_scan_of_the_checkout(pair: Path):
    paths = sorted(listing(pair, "new"))
    sample = random.Random(16).sample(paths, 3000)
    sample += [p for p in paths if p.startswith("LICENSES/")]
    links = git(pair, "ls-tree", "-r", "new").decode("utf-8", "replace").splitlines()
    sample += [line.split("\t", 1)[1] for line in links if line.startswith("120000")][:50]
    compare_blobs_with_checkout(str(pair), "new", NEW_TREE, sorted(set(sample)))


def test_a_synthetic_big_change(pair: Path):
    """Thousands of files added, removed, renamed, retagged, relicensed and untagged, and LICENSES/preferred/MIT
    changed (so every file of both sides is judged again): each change kind found, and nothing else."""
    files = listing(pair, "new")
    rng = random.Random(1616)
    c_files = sorted(p for p in files if p.endswith(".c") and not p.startswith(("LICENSES/", "tools/", "scripts/")))
    tags = first_tags(pair, [files[p] for p in c_files])
    gpl_only = [p for p in c_files if tags[files[p]] == "GPL-2.0-only"]
    rng.shuffle(gpl_only)
    bodies = blobs(pair, [files[p] for p in gpl_only[:3000]])
    gpl_only = [p for p in gpl_only[:3000]
                if bodies[files[p]].startswith(b"// SPDX-License-Identifier: GPL-2.0-only\n")]
    spelling, relicensed, untagged = gpl_only[:1000], gpl_only[1000:2000], gpl_only[2000:2300]
    touched = set(gpl_only[:2300])
    links = {line.split("\t", 1)[1] for line in git(pair, "ls-tree", "-r", "new").decode("utf-8", "replace")
             .splitlines() if line.startswith("120000")}
    texts = blobs(pair, [files[p] for p in links])
    targets = {os.path.normpath(os.path.join(os.path.dirname(p), os.fsdecode(texts[files[p]]))) for p in links}
    copies = Counter(files.values())  # git pairs a rename with any file of the same bytes: only unique ones
    rest = [p for p in sorted(files) if p not in touched and p not in links and not p.startswith("LICENSES/")
            and copies[files[p]] == 1
            and not any(p == t or p.startswith(t + "/") for t in targets)
            and not p.startswith("scripts/spdxexclude") and p not in ("COPYING",)]
    rng.shuffle(rest)
    removed, moved = set(rest[:2000]), rest[2000:4000]
    with tempfile.TemporaryDirectory() as scratch:
        index = os.path.join(scratch, "index")
        env = {**GIT_ENV, "GIT_INDEX_FILE": index}
        git(pair, "read-tree", "new", env=env)
        bodies = blobs(pair, [files[p] for p in gpl_only[:2300]])
        contents: dict[str, bytes] = {}
        for group, new_tag in ((spelling, b"GPL-2.0"), (relicensed, b"MIT"), (untagged, None)):
            for path in group:
                body = bodies[files[path]]
                line, rest_of = body.split(b"\n", 1)
                assert b"SPDX-License-Identifier: GPL-2.0-only" in line
                contents[path] = (line.replace(b"GPL-2.0-only", new_tag) + b"\n" + rest_of) if new_tag else rest_of
        added = {f"synthetic/added/{n}.c": (b"// SPDX-License-Identifier: " + (b"MIT", b"BSD-2-Clause",
                                                                               b"GPL-2.0-or-later")[n % 3]
                                            + f"\nint added_{n};\n".encode()) for n in range(1500)}
        contents.update(added)
        mit = git(pair, "cat-file", "blob", files["LICENSES/preferred/MIT"]) + b"\n(changed by a test)\n"
        contents["LICENSES/preferred/MIT"] = mit
        names = sorted(contents)
        for n, path in enumerate(names):
            with open(os.path.join(scratch, f"{n}"), "wb") as handle:
                handle.write(contents[path])
        oids = git(pair, "hash-object", "-w", "--stdin-paths",
                   data="".join(os.path.join(scratch, f"{n}") + "\n" for n in range(len(names))).encode()).split()
        info = [f"100644 {oid.decode()}\t{path}" for path, oid in zip(names, oids)]
        info += [f"0 {'0' * 40}\t{path}" for path in removed]
        info += [f"0 {'0' * 40}\t{path}" for path in moved]
        info += [f"100644 {files[path]}\tsynthetic/moved/{path}" for path in moved]
        git(pair, "update-index", "--index-info", data=("\n".join(info) + "\n").encode(), env=env)
        tree = git(pair, "write-tree", env=env).decode().strip()
        commit = git(pair, "commit-tree", tree, "-p", "new", "-m", "synthetic", data=b"").decode().strip()
        git(pair, "update-ref", "refs/tags/synthetic", commit)
    diff = diff_mod.compare(*diff_mod.open_sides("new", "synthetic", str(pair)))
    kinds = {kind: {f.path: f for f in diff.files if f.change == kind} for kind in diff_mod.CHANGE_KINDS}
    assert set(kinds["removed"]) == removed
    assert {f.old_path: p for p, f in kinds["renamed"].items()} == {p: f"synthetic/moved/{p}" for p in moved}
    # the same bytes under another path: the same licence, unless the move changed whether spdxexclude excludes it
    moved_away = [(f.old_path, f.old.key, f.new.key) for f in kinds["renamed"].values() if f.same_license is not True
                  and "excluded" not in (f.old.status, f.new.status)]
    assert moved_away == []
    assert set(kinds["added"]) == set(added)
    assert set(kinds["changed"]) == set(spelling) | set(relicensed) | set(untagged)
    assert all(kinds["changed"][p].same_license is True for p in spelling)
    assert all(kinds["changed"][p].same_license is False for p in relicensed)
    assert all(kinds["changed"][p].new.status == "untagged" for p in untagged)
    assert diff.licenses_dir["changed"] == ["LICENSES/preferred/MIT"]
    deltas = diff.summary()["licenses"]
    assert deltas["BSD-2-Clause"]["added"] == 500
    assert deltas["MIT"]["added"] == 500 + len(relicensed)


def test_the_kernel_indexes_merged_in_c_give_git_s_records_in_every_index_version(tmp_path: Path):
    """Both trees' .git/index files, as they are (v2) and rewritten as v4 (names prefix-compressed) in copies
    outside the trees: the records that differ are those of git's ``ls-files -s`` of each, whichever versions."""
    from tui.core import dirpair

    records: dict[str, set[bytes]] = {}
    copies: dict[str, Path] = {}
    for name, tree in (("old", OLD_TREE), ("new", NEW_TREE)):
        assert tree is not None
        out = git(tree, "ls-files", "-s", "-z")
        records[name] = {record for record in out.split(b"\0") if record}
        root = tmp_path / name
        (root / ".git").mkdir(parents=True)
        for part in ("index", "config"):
            (root / ".git" / part).write_bytes((Path(tree) / ".git" / part).read_bytes())
        copies[name] = root
    found = dirpair.read_indexes(str(copies["old"]), str(copies["new"]))
    assert found is not None
    for name, root in copies.items():  # (GIT_INDEX_FILE: the copy rewritten, never the tree's own index)
        git(OLD_TREE if name == "old" else NEW_TREE, "update-index", "--index-version", "4",
            env={**GIT_ENV, "GIT_INDEX_FILE": str(root / ".git" / "index"), "GIT_OPTIONAL_LOCKS": "0"})
        assert (root / ".git" / "index").read_bytes()[4:8] == b"\0\0\0\4"
    v4 = dirpair.read_indexes(str(copies["old"]), str(copies["new"]))
    assert v4 is not None and v4[0] == found[0]
    old, new = found[0]
    as_listed = [{mode + b" " + oid.encode() + b" 0\t" + os.fsencode(path) for path, (mode, oid) in side.items()}
                 for side in (old, new)]
    assert as_listed == [records["old"] - records["new"], records["new"] - records["old"]]
    assert len(old) > 5000 and len(new) > 5000
