"""`lictree PATH` starts the reader server before any thread, so a cold scan's readers are never forked from
the UI's process (which has an indexing thread and Textual's threads by then)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui.core.build import POOL_THRESHOLD
from tui.ui.watcher import _child_env

from ..conftest import write_tree

SCRIPT = """
import os, sys, threading, warnings
warnings.simplefilter("always")
from tui.core import readers
from tui.ui.launch import start_indexing_early
run = start_indexing_early(sys.argv[1], False)
threading.Thread(target=threading.Event().wait, daemon=True).start()  # as Textual's would be
run.join(120)
server = readers._SERVER
assert server is not None and server._process is None, "no reader server was forked at launch"
events = []
run.attach(events.append)
print(type(events[-1]).__name__, len(events[-1].index))
"""


def test_a_cold_scan_from_the_ui_has_its_readers_forked_by_the_server_started_at_launch(tmp_path: Path):
    files = {f"d{i % 9}/f{i}.c": "// SPDX-License-Identifier: MIT\n" for i in range(POOL_THRESHOLD + 300)}
    root = write_tree(tmp_path / "big", files)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(root)], capture_output=True, text=True, timeout=180,
                          env=_child_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["Ready", str(POOL_THRESHOLD + 300 + 5)]  # (and LICENSES/, COPYING)
    assert "multi-threaded" not in proc.stderr and "Warning" not in proc.stderr, proc.stderr
