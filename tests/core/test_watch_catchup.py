"""What the UI's watcher needs from the core: a copy of the index to change while the original is read,
and the files that changed on disk before the watches were in place."""

import time
from pathlib import Path

from tui.core.build import build_index
from tui.core.watch import apply_changes, changed_since


def test_changes_applied_to_a_copy_leave_the_original_as_it_was(demo_copy: Path):
    index = build_index(str(demo_copy))
    before = (list(index.paths), bytes(index.status), list(index.exprs), list(index.lines), dict(index.findings),
              {path: (s.files, +s.statuses, +s.licenses, s.problems) for path, s in index.dirs().items()})
    copy = index.copy()
    (demo_copy / "kernel/fork.c").write_text("// SPDX-License-Identifier: GPL-2.0-onyl\n")
    (demo_copy / "kernel/new.c").write_text("int x;\n")
    (demo_copy / "LICENSES/preferred/MIT").unlink()
    apply_changes(copy, ["kernel/fork.c", "kernel/new.c", "LICENSES/preferred/MIT"])
    assert copy.verdict("kernel/fork.c") == "invalid" and copy.verdict("drivers/net/foo.c") == "invalid"
    assert copy.dir_stats("kernel").files == index.dir_stats("kernel").files + 1
    after = (index.paths, bytes(index.status), index.exprs, list(index.lines), index.findings,
             {path: (s.files, +s.statuses, +s.licenses, s.problems) for path, s in index.dirs().items()})
    assert after == before
    assert index.verdict("kernel/fork.c") == "valid" and index.verdict("drivers/net/foo.c") == "valid"

    counts = {path: (s.files, +s.statuses, +s.licenses, s.problems) for path, s in copy.dirs().items()}
    apply_changes(index, ["kernel/fork.c", "kernel/new.c", "LICENSES/preferred/MIT"])  # the original, later
    assert {path: (s.files, +s.statuses, +s.licenses, s.problems) for path, s in copy.dirs().items()} == counts


def test_changed_since_finds_edits_additions_deletions_and_renames_but_not_old_files(demo_copy: Path):
    index = build_index(str(demo_copy))
    time.sleep(0.05)  # file times are coarser than time.time()
    since = time.time()
    assert changed_since(index, since) == set()
    time.sleep(0.05)

    (demo_copy / "kernel/fork.c").write_text("int x;\n")
    (demo_copy / "kernel/new.c").write_text("int y;\n")
    (demo_copy / "drivers/net/foo.h").unlink()
    (demo_copy / "lib/demo-lib").rename(demo_copy / "lib/renamed")
    found = changed_since(index, since)
    assert {"kernel/fork.c", "kernel/new.c", "drivers/net/foo.h", "lib/renamed"} <= found
    assert {p for p in index.paths if p.startswith("lib/demo-lib/")} <= found
    assert "kernel/printk.c" not in found and "README" not in found
    apply_changes(index, found)
    fresh = build_index(str(demo_copy), use_cache=False)
    assert (index.paths, index.status, index.exprs) == (fresh.paths, fresh.status, fresh.exprs)


def test_paths_reported_through_a_symlinked_directory_are_not_indexed(demo_copy: Path):
    (demo_copy / "scripts/linked").symlink_to("../drivers/net")
    index = build_index(str(demo_copy))
    (demo_copy / "drivers/net/foo.c").write_text("// SPDX-License-Identifier: MIT\n")
    apply_changes(index, ["drivers/net/foo.c", "scripts/linked/foo.c", "scripts/linked"])
    assert index.verdict("scripts/linked/foo.c") is None and index.verdict("drivers/net/foo.c") == "valid"
    fresh = build_index(str(demo_copy), use_cache=False)
    assert (index.paths, index.status, index.exprs) == (fresh.paths, fresh.status, fresh.exprs)


def test_a_deleted_excluded_file_of_a_git_tree_is_gone_from_a_fresh_index_as_from_an_updated_one(demo_copy: Path):
    import subprocess

    git = ["git", "-C", str(demo_copy), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "demo"], check=True)
    index = build_index(str(demo_copy))
    assert index.method == "git" and index.verdict("LICENSES/preferred/MIT") == "excluded"
    (demo_copy / "LICENSES/preferred/MIT").unlink()
    apply_changes(index, ["LICENSES/preferred/MIT"])
    fresh = build_index(str(demo_copy), use_cache=False)
    assert fresh.verdict("LICENSES/preferred/MIT") is None and index.verdict("LICENSES/preferred/MIT") is None
    assert (index.paths, index.status, index.exprs) == (fresh.paths, fresh.status, fresh.exprs)
