"""The watch process on its own: what it reports for real changes in a small tree, and when it stops."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tui.ui.watcher import _child_env

from ..conftest import write_tree


class WatchProcess:
    """``python -m tui.ui.watch_process ROOT`` with its stdout lines read in a thread."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tui.ui.watch_process", str(root)], env=_child_env(),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lines: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def next(self, timeout: float = 15.0) -> dict:
        return self.lines.get(timeout=timeout)

    def paths_until(self, wanted: set[str], timeout: float = 15.0) -> set[str]:
        """Every path reported until one of *wanted* was."""
        seen: set[str] = set()
        deadline = time.monotonic() + timeout
        while not wanted & seen:
            message = self.next(max(0.1, deadline - time.monotonic()))
            seen.update(message.get("paths", ()))
        return seen

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "tree", {"kernel/a.c": "// SPDX-License-Identifier: GPL-2.0\n", ".git/HEAD": "x\n"})


def test_it_reports_edits_but_not_git_internals_nor_editor_swap_files(tree: Path):
    watch = WatchProcess(tree)
    try:
        assert watch.next() == {"ready": True}
        (tree / ".git/index").write_text("changed\n")
        (tree / "kernel/.a.c.swp").write_text("swap\n")
        (tree / "kernel/a.c").write_text("// SPDX-License-Identifier: MIT\n")
        seen = watch.paths_until({"kernel/a.c"})
        assert seen == {"kernel/a.c"}
    finally:
        watch.close()


def test_after_a_storm_it_watches_again_and_asks_for_a_rescan_from_before_it(tree: Path):
    watch = WatchProcess(tree)
    try:
        assert watch.next() == {"ready": True}
        began = time.time()
        for n in range(1200):
            (tree / "kernel" / f"f{n}.c").write_text("int x;\n")
        messages = []
        while "rescan" not in (messages[-1] if messages else {}):
            messages.append(watch.next())
        assert messages[-2] == {"ready": True}  # the watches were set up again before the rescan
        assert messages[-1]["rescan"] <= began
        (tree / "kernel/new-dir").mkdir()
        (tree / "kernel/new-dir/b.c").write_text("int b;\n")  # may come before its directory is watched
        watch.paths_until({"kernel/new-dir", "kernel/new-dir/b.c"})
        (tree / "kernel/new-dir/b.c").write_text("int c;\n")
        watch.paths_until({"kernel/new-dir/b.c"})  # the new directory is watched
    finally:
        watch.close()


def test_it_stops_when_its_stdin_closes(tree: Path):
    watch = WatchProcess(tree)
    assert watch.next() == {"ready": True}
    watch.proc.stdin.close()
    assert watch.proc.wait(timeout=5) == 0


def test_a_root_that_cannot_be_watched_is_one_error_line(tmp_path: Path):
    watch = WatchProcess(tmp_path / "missing")
    try:
        message = watch.next()
        assert set(message) == {"error"} and message["error"]
        assert watch.proc.wait(timeout=5) == 1
    finally:
        watch.close()
