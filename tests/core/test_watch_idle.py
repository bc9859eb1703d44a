"""Watching costs (almost) no CPU while nothing changes: `lictree check --watch` and the UI's watch process.

Each is started on a generated tree of a few thousand files, left to settle after its first report,
then its process CPU time (user + system, from /proc) is measured over a few seconds of no changes.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tui.ui.watcher import _child_env

from ..conftest import write_tree

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads CPU times from /proc")

#: Idle CPU allowed, as a share of one core.
LIMIT = 0.02
#: Seconds of no changes measured, after SETTLE seconds for the first (one-time) catch-up.
MEASURE = 3.0
SETTLE = 1.5
#: Enough files that re-checking them all on every wake-up (4 a second) costs several percent of a core.
FILES = 3000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process *pid* so far (its own threads, not its children)."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        fields = handle.read().rpartition(b")")[2].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5), counted from after the name
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def idle_share(pid: int) -> float:
    """The share of one core that process *pid* uses over MEASURE seconds."""
    start_cpu, start = cpu_seconds(pid), time.monotonic()
    time.sleep(MEASURE)
    return (cpu_seconds(pid) - start_cpu) / (time.monotonic() - start)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    files = {f"d{i % 30}/sub{i % 7}/f{i}.c": "// SPDX-License-Identifier: GPL-2.0\nint x;\n" for i in range(FILES)}
    return write_tree(tmp_path / "tree", files)


def lines_of(proc: subprocess.Popen) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_for(lines: queue.Queue, wanted: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        assert line is not None, f"the process ended before printing {wanted!r}"
        if wanted in line:
            return


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_check_watch_uses_no_cpu_while_nothing_changes(tree: Path):
    proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "check", str(tree), "--watch"], env=_child_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        wait_for(lines_of(proc), "watching ")
        time.sleep(SETTLE)
        share = idle_share(proc.pid)
        assert proc.poll() is None
    finally:
        stop(proc)
    assert share <= LIMIT, f"`check --watch` used {share:.1%} of a core while nothing changed"


def test_the_ui_watch_process_uses_no_cpu_while_nothing_changes(tree: Path):
    proc = subprocess.Popen([sys.executable, "-m", "tui.ui.watch_process", str(tree)], env=_child_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = lines_of(proc)
        line = lines.get(timeout=60)
        assert line is not None and json.loads(line) == {"ready": True}
        time.sleep(SETTLE)
        share = idle_share(proc.pid)
        assert proc.poll() is None
    finally:
        stop(proc)
    assert share <= LIMIT, f"the UI's watch process used {share:.1%} of a core while nothing changed"
