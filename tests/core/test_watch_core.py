"""Batches of changes on disk bring the index to exactly what a fresh index of the tree gives."""

import os
import shutil
import subprocess
from pathlib import Path

from tui.core.build import build_index
from tui.core.index import LicenseIndex
from tui.core.watch import apply_changes, relative_paths


def same_as_fresh(index: LicenseIndex) -> None:
    fresh = build_index(index.root, use_cache=False)
    assert index.paths == fresh.paths
    assert index.status == fresh.status
    assert index.exprs == fresh.exprs
    assert list(index.lines) == list(fresh.lines)
    assert index.findings == fresh.findings
    if index._dirs is not None:
        fresh_dirs = fresh.dirs()
        assert set(index.dirs()) == set(fresh_dirs)
        for path, stats in fresh_dirs.items():
            mine = index.dirs()[path]
            assert (mine.files, +mine.statuses, +mine.licenses, mine.problems) == (
                stats.files, +stats.statuses, +stats.licenses, stats.problems), path


def touch(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 3_000_000_000))


def test_edit_add_delete_rename(demo_copy: Path):
    index = build_index(str(demo_copy))
    index.dirs()
    touch(demo_copy / "kernel/printk.c", "// SPDX-License-Identifier: MIT\n")
    touch(demo_copy / "kernel/new.c", "int x;\n")
    (demo_copy / "kernel/fork.c").unlink()
    (demo_copy / "drivers/net/foo.c").rename(demo_copy / "drivers/net/foo2.c")
    update = apply_changes(index, ["kernel/printk.c", "kernel/new.c", "kernel/fork.c", "drivers/net/foo.c",
                                   "drivers/net/foo2.c"])
    assert index.verdict("kernel/printk.c") == "valid"
    assert index.verdict("kernel/new.c") == "untagged"
    assert index.verdict("kernel/fork.c") is None and "kernel/fork.c" in update.removed
    assert index.verdict("drivers/net/foo2.c") == "valid" and index.verdict("drivers/net/foo.c") is None
    same_as_fresh(index)


def test_directory_moves_and_deletes(demo_copy: Path):
    index = build_index(str(demo_copy))
    index.dirs()
    shutil.move(demo_copy / "drivers/misc", demo_copy / "lib/misc-moved")
    shutil.rmtree(demo_copy / "tools")
    apply_changes(index, ["drivers/misc", "lib/misc-moved", "tools"])
    assert index.verdict("lib/misc-moved/typo.c") == "invalid"
    assert not [p for p in index.paths if p.startswith(("drivers/misc/", "tools/"))]
    same_as_fresh(index)


def test_licenses_change_re_evaluates_dependent_files(demo_copy: Path):
    index = build_index(str(demo_copy))
    assert index.verdict("drivers/net/foo.c") == "valid"  # GPL-2.0 OR MIT
    (demo_copy / "LICENSES/preferred/MIT").unlink()
    update = apply_changes(index, ["LICENSES/preferred/MIT"])
    assert update.context_changed
    assert index.verdict("drivers/net/foo.c") == "invalid"
    assert index.verdict("kernel/sched.c") == "valid"
    same_as_fresh(index)
    shutil.copy(Path(__file__).parents[2] / "tui/demo/linux-demo/LICENSES/preferred/MIT",
                demo_copy / "LICENSES/preferred/MIT")
    apply_changes(index, ["LICENSES/preferred/MIT"])
    assert index.verdict("drivers/net/foo.c") == "valid"
    same_as_fresh(index)


def test_storm_of_a_thousand_files(demo_copy: Path):
    index = build_index(str(demo_copy))
    index.dirs()
    paths = []
    for i in range(1000):
        rel = f"drivers/storm/d{i % 13}/f{i}.c"
        touch(demo_copy / rel, "// SPDX-License-Identifier: GPL-2.0\n" if i % 4 else "int x;\n")
        paths.append(rel)
    for rel in ("kernel/sched.c", "kernel/printk.c"):
        touch(demo_copy / rel, "// SPDX-License-Identifier: Bogus-1\n")
        paths.append(rel)
    apply_changes(index, paths)
    same_as_fresh(index)


def test_git_ignored_files_stay_out(tmp_path: Path):
    root = tmp_path / "g"
    shutil.copytree(Path(__file__).parents[2] / "tui/demo/linux-demo", root)
    (root / ".gitignore").write_text("*.o\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)
    index = build_index(str(root))
    (root / "kernel/sched.o").write_bytes(b"\0obj")
    touch(root / "kernel/extra.c", "int y;\n")
    apply_changes(index, ["kernel/sched.o", "kernel/extra.c"])
    assert index.verdict("kernel/sched.o") is None
    assert index.verdict("kernel/extra.c") == "untagged"
    same_as_fresh(index)


def test_relative_paths_drops_git_and_outside(tmp_path: Path):
    root = str(tmp_path)
    batch = {(1, f"{root}/a.c"), (2, f"{root}/.git/index"), (1, "/elsewhere/x"), (1, f"{root}/d/e.h")}
    assert relative_paths(root, batch) == {"a.c", "d/e.h"}


def test_check_watch_reprints_findings(demo_copy: Path):
    import select
    import signal
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "check", str(demo_copy), "--watch"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parents[2])
    deadline = time.time() + 30

    def read_until(text: str) -> str:
        seen = b""
        while text.encode() not in seen and time.time() < deadline:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                seen += os.read(proc.stdout.fileno(), 65536)
        return seen.decode()

    try:
        assert "watching" in read_until("watching")
        time.sleep(0.5)
        touch(demo_copy / "kernel/fork.c", "// SPDX-License-Identifier: Bogus-2\n")
        seen = read_until("--- ")
        if "files:" not in seen.split("--- ", 1)[1]:
            seen += read_until("files:")
        assert "kernel/fork.c:1: error LT101 Invalid License ID: Bogus-2" in seen
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert b"Traceback" not in proc.stderr.read()


def test_untagged_files_are_re_read_only_when_the_copying_default_changes(demo_copy: Path):
    index = build_index(str(demo_copy))
    untagged = {p for p in index.paths if index.verdict(p) == "untagged"}
    assert untagged
    mit = demo_copy / "LICENSES/preferred/MIT"
    touch(mit, mit.read_text().replace("Usage-Guide:", "Usage-Guide:\n  (edited)", 1))
    update = apply_changes(index, ["LICENSES/preferred/MIT"])
    assert update.context_changed
    assert not untagged & set(update.updated)
    same_as_fresh(index)
    copying = demo_copy / "COPYING"
    touch(copying, copying.read_text().replace("GPL-2.0 WITH Linux-syscall-note", "GPL-2.0-only", 1))
    update = apply_changes(index, ["COPYING"])
    assert untagged <= set(update.updated)
    path = "kernel/printk.c"  # untagged, no notice: its finding names the COPYING default
    assert "(GPL-2.0-only)" in index.get(path).findings[0].message
    assert index.get(path).effective == ("GPL-2.0-only", "copying")
    same_as_fresh(index)


def test_check_watch_catches_up_on_edits_made_while_it_indexed(demo_copy: Path):
    """An edit that lands after a file was read but before the watch is set up is not an event
    watchfiles can see: the catch-up after setting up the watch must find it."""
    import select
    import signal
    import sys
    import textwrap
    import time

    edited = demo_copy / "kernel/fork.c"
    script = textwrap.dedent(f"""
        import os, sys
        import tui.core.build as index_mod
        from tui.cli import main

        real = index_mod.build_index

        def build_then_edit(*args, **kwargs):
            index = real(*args, **kwargs)
            path = {str(edited)!r}
            with open(path, "w") as handle:
                handle.write("// SPDX-License-Identifier: Bogus-3\\n")
            return index

        index_mod.build_index = build_then_edit
        sys.exit(main(["check", {str(demo_copy)!r}, "--watch"]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).parents[2])
    deadline = time.time() + 30
    seen = b""
    try:
        while b"Bogus-3" not in seen and time.time() < deadline:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                seen += os.read(proc.stdout.fileno(), 65536)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    text = seen.decode()
    assert "kernel/fork.c:1: error LT101 Invalid License ID: Bogus-3" in text
    catch_up = text.split("watching", 1)[1]
    assert "1 changed, 0 removed" in catch_up  # only the edited file, not every recently written one
    assert b"Traceback" not in proc.stderr.read()
