import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import snapshot_tree, write_tree
from tui.core.build import build_index, refresh
from tui.core.counting import summarize
from tui.core.tree import TreeError


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


def make_git_tree(root: Path, files: dict[str, str]) -> Path:
    write_tree(root, files)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return root


def bump(path: Path, text: str) -> None:
    """Rewrite a file so that its size or mtime surely changes."""
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_demo_verdicts(demo_copy: Path):
    index = build_index(str(demo_copy), use_cache=False)
    assert index.verdict("kernel/sched.c") == "valid"
    assert index.verdict("kernel/printk.c") == "untagged"
    assert index.verdict("drivers/misc/typo.c") == "invalid"
    assert index.verdict("LICENSES/preferred/MIT") == "excluded"
    assert index.verdict("tools/templates/struct.j2") == "valid"  # spdxcheck is wrong on #}
    record = index.get("drivers/net/foo.c")
    assert record.expression == "GPL-2.0 OR MIT" and record.line == 1
    assert record.licenses == ("GPL-2.0", "MIT")
    stats = index.dir_stats("drivers")
    assert stats.statuses["invalid"] == 4
    assert stats.files == sum(1 for p in index.paths if p.startswith("drivers/"))


@pytest.mark.parametrize("use_git", [False, True])
def test_cache_never_gives_a_stale_verdict(tmp_path: Path, use_git: bool):
    files = {"a.c": "// SPDX-License-Identifier: MIT\n", "b.c": "// SPDX-License-Identifier: GPL-2.0\n",
             "c.c": "int untagged;\n"}
    root = make_git_tree(tmp_path / "t", files) if use_git else write_tree(tmp_path / "t", files)
    first = build_index(str(root))
    assert first.read_count == len(first)
    again = build_index(str(root))
    assert again.read_count == 0 and again.verdict("a.c") == "valid"
    bump(root / "a.c", "// SPDX-License-Identifier: Nope-1.0\n")
    (root / "b.c").unlink()
    (root / "d.c").write_text("// SPDX-License-Identifier: GPL-2.0 OR MIT\n")
    after = build_index(str(root))
    assert after.verdict("a.c") == "invalid"
    assert after.verdict("b.c") is None
    assert after.verdict("d.c") == "valid"
    assert after.verdict("c.c") == "untagged"
    assert after.read_count < len(after)  # the unchanged files came from the cache


def test_cache_is_dropped_when_licenses_change(tmp_path: Path):
    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n"})
    assert build_index(str(root)).verdict("a.c") == "valid"
    (root / "LICENSES/preferred/MIT").unlink()
    assert build_index(str(root)).verdict("a.c") == "invalid"


def test_git_tree_sees_untracked_files_and_skips_ignored(tmp_path: Path):
    root = make_git_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n", ".gitignore": "*.o\n"})
    (root / "new.c").write_text("int x;\n")
    (root / "built.o").write_bytes(b"\0ELF")
    index = build_index(str(root))
    assert index.method == "git"
    assert index.verdict("new.c") == "untagged"
    assert index.verdict("built.o") is None
    assert index.paths == sorted(index.paths)


def test_no_licenses_dir_uses_the_spdx_list(tmp_path: Path):
    root = write_tree(tmp_path, {"a.c": "// SPDX-License-Identifier: CC0-1.0\n"}, licenses=False)
    index = build_index(str(root))
    assert index.verdict("a.c") == "valid"
    assert "SPDX license list" in summarize(index)["licenses_from"]


def test_big_tree_uses_the_process_pool_and_agrees(tmp_path: Path):
    files = {f"d{i % 7}/f{i}.c": ("// SPDX-License-Identifier: MIT\n" if i % 3 else "int x;\n") for i in range(4500)}
    root = write_tree(tmp_path / "t", files)
    pooled = build_index(str(root), use_cache=False, workers=2)
    serial = build_index(str(root), use_cache=False, workers=1)
    assert pooled.paths == serial.paths
    assert pooled.status == serial.status
    assert sum(1 for p in pooled.paths if p.endswith(".c") and pooled.verdict(p) == "untagged") == 1500


def test_the_tree_is_never_written_to(demo_copy: Path):
    before = snapshot_tree(demo_copy)
    build_index(str(demo_copy))
    build_index(str(demo_copy))
    assert snapshot_tree(demo_copy) == before


def test_bad_roots(tmp_path: Path):
    with pytest.raises(TreeError, match="no such file or directory"):
        build_index(str(tmp_path / "missing"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(TreeError, match="not a directory"):
        build_index(str(tmp_path / "file"))


def test_refresh_updates_counts(demo_copy: Path):
    index = build_index(str(demo_copy))
    before = index.dir_stats("kernel").statuses["untagged"]
    bump(demo_copy / "kernel/printk.c", "// SPDX-License-Identifier: GPL-2.0\nint x;\n")
    (demo_copy / "kernel/new.c").write_text("int y;\n")
    updated, removed = refresh(index, ["kernel/printk.c", "kernel/new.c", "kernel/fork.c"])
    (demo_copy / "kernel/fork.c").unlink()
    refresh(index, ["kernel/fork.c"])
    assert index.verdict("kernel/printk.c") == "valid"
    assert index.verdict("kernel/fork.c") is None
    assert index.dir_stats("kernel").statuses["untagged"] == before  # printk fixed, new.c untagged
    fresh = build_index(str(demo_copy), use_cache=False)
    assert fresh.paths == index.paths and fresh.status == index.status


def test_tracked_symlinks_are_found_wherever_git_lists_them(tmp_path: Path):
    """Tracked symlinks, first in git's order and further on, to a file git ignores: editing that
    file changes neither the links nor anything git tracks, yet a warm run must see it."""
    root = write_tree(tmp_path / "t", {".gitignore": "gen/\n", "gen/x.c": "// SPDX-License-Identifier: MIT\n"})
    os.symlink("gen/x.c", root / "0first.c")
    os.symlink("gen/x.c", root / "q-middle.c")
    make_git_tree(root, {})
    index = build_index(str(root))
    assert index.verdict("0first.c") == index.verdict("q-middle.c") == "valid"
    assert index.verdict("gen/x.c") is None  # ignored
    bump(root / "gen/x.c", "// SPDX-License-Identifier: Nope-1.0\n")
    again = build_index(str(root))
    assert again.verdict("0first.c") == again.verdict("q-middle.c") == "invalid"


def test_directory_counts_match_a_plain_count_and_ties_go_by_name(demo_copy: Path):
    from collections import Counter

    index = build_index(str(demo_copy))
    dirs = index.dirs()
    for directory, stats in dirs.items():
        inside = [r for r in index if not directory or r.path.startswith(directory + "/")]
        assert stats.files == len(inside), directory
        assert +stats.statuses == Counter(r.status for r in inside), directory
        # tags and notices: what files grant explicitly (the COPYING default counts only in sources)
        granted = [r.effective for r in inside if r.effective and (r.status == "valid" or r.effective[1] == "notice")]
        assert +stats.licenses == Counter(expression for expression, _source in granted), directory
        assert +stats.sources == Counter(r.effective[1] for r in inside if r.effective), directory
        assert stats.sources["tag"] >= stats.statuses["valid"], directory
        assert stats.findings == sum(1 for r in inside if r.findings), directory
        ranked = stats.ranked()
        assert ranked == sorted(ranked, key=lambda kv: (-kv[1], kv[0]))
        assert stats.dominant == (ranked[0][0] if ranked else None)
    assert set(dirs) == {""} | {p.rpartition("/")[0] for p in index.paths} | {
        p.rsplit("/", k)[0] for p in index.paths for k in range(1, p.count("/") + 1)}


def test_a_cache_head_never_goes_with_columns_of_another_save(tmp_path: Path):
    import shutil

    from tui.core import cache

    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n"})
    build_index(str(root))
    columns = cache.cache_path(str(root))[: -len(".pickle")] + ".columns.pickle"
    shutil.copy(columns, tmp_path / "old-columns")
    bump(root / "a.c", "// SPDX-License-Identifier: Nope-1\n")
    assert build_index(str(root)).verdict("a.c") == "invalid"  # saved again: a new head and new columns
    shutil.copy(tmp_path / "old-columns", columns)  # the columns of the first save, with the second head
    again = build_index(str(root))
    assert again.read_count == len(again) and again.verdict("a.c") == "invalid"


def test_a_cache_gives_findings_and_notices_back_equal_ones_loaded_once(tmp_path: Path):
    # (a kernel's readers, forked, each send their own copies: 17,800 findings, ~1,300 distinct)
    import copy

    from tui.core import cache
    from tui.core.evaluate import Finding
    from tui.core.notices import Notice

    root = write_tree(tmp_path / "t", {"a.c": "int a;\n"})
    untagged = (Finding("LT100", "warning", None, "no SPDX-License-Identifier"),)
    notice = Notice("MIT", 2, 20, 100, "mit_59.RULE", ("mit_59.RULE",), False)
    findings = {f"d/u{n}.c": copy.deepcopy(untagged) for n in range(4)}
    findings["d/two.c"] = (Finding("LT201", "error", 3, "bad"), Finding("LT100", "warning", None, "x"))
    notices = {f"d/m{n}.c": copy.deepcopy(notice) for n in range(3)}
    assert len({id(found) for found in findings.values()}) == 5
    payload = {"signature": "s", "paths": "", "keys": "", "status": b"", "exprs": [], "lines": b"",
               "findings": findings, "notices": notices, "skipped": [], "origins": {}}
    assert cache.save(str(root), "fp", copy.deepcopy(payload))
    loaded = cache.load(str(root), "fp")
    assert loaded is not None
    assert loaded["findings"] == findings and loaded["notices"] == notices
    assert len({id(loaded["findings"][f"d/u{n}.c"]) for n in range(4)}) == 1
    assert len({id(loaded["notices"][f"d/m{n}.c"]) for n in range(3)}) == 1


@pytest.mark.parametrize("use_git", [False, True])
def test_a_cache_lookup_finds_what_loading_it_whole_finds(tmp_path: Path, use_git: bool):
    """A diff looks paths up in a tree's cache without reading its path and key columns (``cache.lookup``): it
    finds each at its place, with the key ``cache.load`` gives, and no path that is not there."""
    from tui.core import cache
    from tui.core.index import split_joined

    files = {"a.c": "// SPDX-License-Identifier: MIT\n", "b/é.c": "int x;\n", "b/z.h": "// SPDX-License-Identifier: GPL-2.0\n",
             "b/€/d.c": "int y;\n", "c.txt": "x\n", os.fsdecode(b"b/\xff-not-utf8.c"): "int z;\n"}
    root = make_git_tree(tmp_path / "t", files) if use_git else write_tree(tmp_path / "t", files)
    index = build_index(str(root))
    whole = cache.load(str(root), index.ctx.fingerprint)
    assert whole is not None
    paths, keys = split_joined(whole["paths"]), split_joined(whole["keys"])
    asked = ["c.txt", "nope.c", *reversed(paths), "b", ""]
    found = cache.lookup(str(root), index.ctx.fingerprint, asked)
    assert found is not None
    assert found.positions == [paths.index(p) if p in paths else -1 for p in asked]
    assert found.keys == [keys[paths.index(p)] if p in paths else None for p in asked]
    assert set(found.columns) == set(whole) - {"paths", "keys", *cache.HEAD_KEYS}
    assert cache.lookup(str(root), "another fingerprint", asked) is None
