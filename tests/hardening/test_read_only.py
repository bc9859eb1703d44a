"""Nothing is ever written inside the scanned tree, by any command: content, mtimes and entries stay.

Adding a command is one line in COMMANDS. `export` runs in every format (-o outside the tree), the UI
is driven with Pilot (expand all, move, open the detail pane), `check --watch` runs as a process
stopped with SIGINT. The UI has no file watcher yet: when it gets one, this test covers it as is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import snapshot_tree
from tests.core.test_index import git
from tests.ui.helpers import run_async, settle
from tui.cli import main
from tui.core.export import FORMATS
from tui.ui.app import LictreeApp
from tui.ui.rows import FILE

REPO = Path(__file__).resolve().parents[2]

#: argv of every command that reads a tree ({tree} is replaced); each runs twice (cold, then warm).
COMMANDS = [
    ["check", "{tree}"],
    ["check", "{tree}", "--format", "json"],
    ["check", "{tree}", "--no-cache"],
    ["check", "{tree}", "--format", "json", "--no-cache"],
    ["check", "{tree}", "--fail-on", "warning", "--select", "LT1"],
    *(["export", "{tree}", "--format", fmt, "-o", "{out}/report" + ext] for fmt, ext in FORMATS.items()),
]


def _argv(template: list[str], tree: Path, out: Path | None = None) -> list[str]:
    out = out if out is not None else tree.parent / "out"
    return [arg.replace("{tree}", str(tree)).replace("{out}", str(out)) for arg in template]


@pytest.fixture(params=["plain", "git"])
def tree(request: pytest.FixtureRequest, demo_copy: Path) -> Path:
    """The demo tree, as a plain directory or as a git work tree with a stale index (a touched file)."""
    if request.param == "git":
        git(demo_copy, "init", "-q")
        git(demo_copy, "add", "-A")
        git(demo_copy, "commit", "-qm", "demo")
        (demo_copy / "untracked.c").write_text("int x;\n")
        touched = demo_copy / "kernel" / "sched.c"
        st = touched.stat()
        os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    return demo_copy


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:1] + c[2:]) for c in COMMANDS])
def test_nothing_is_written_in_the_tree(capsys, tmp_path: Path, tree: Path, command: list[str]):
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot_tree(tree)
    for _ in range(2):
        assert main(_argv(command, tree, out)) in (0, 1)
        assert "Traceback" not in capsys.readouterr().err
    assert snapshot_tree(tree) == before
    if command[0] == "export":
        (report,) = out.iterdir()
        assert report.stat().st_size > 0


def test_a_cache_dir_inside_the_tree_is_not_used(capsys, monkeypatch, tree: Path):
    before = snapshot_tree(tree)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tree / ".cache"))
    assert main(["check", str(tree)]) in (0, 1)
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tree))  # ~/.cache is inside the tree too
    assert main(["check", str(tree)]) in (0, 1)
    capsys.readouterr()
    assert snapshot_tree(tree) == before


def test_nothing_is_written_by_a_separate_process(tree: Path):
    before = snapshot_tree(tree)
    for command in COMMANDS[:2]:
        proc = subprocess.run([sys.executable, "-m", "tui.cli", *_argv(command, tree)], cwd=tree,
                              capture_output=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert proc.returncode in (0, 1) and b"Traceback" not in proc.stderr
    assert snapshot_tree(tree) == before


@run_async
async def test_the_ui_writes_nothing_in_the_tree(tree: Path):
    before = snapshot_tree(tree)
    app = LictreeApp(str(tree))
    opened = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        for _ in range(12):
            await pilot.press("j", "j", "j")
            await settle(pilot)
            if app.tree.cursor_row.kind == FILE:
                opened.append(app.tree.cursor_row.key)
        await pilot.press("G")
        await settle(pilot)
        await pilot.pause(0.5)
        await pilot.press("q")
    assert app.return_code == 0 and app.crash_error is None
    assert len(opened) >= 5, opened  # the detail pane was built for several files
    assert snapshot_tree(tree) == before


def test_check_watch_writes_nothing_in_the_tree(tree: Path):
    before = snapshot_tree(tree)
    proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "check", str(tree), "--watch"], cwd=tree.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert proc.stdout is not None
        watching = any(line.startswith(b"watching ") for line in proc.stdout)  # stops at that line
        assert watching and proc.poll() is None
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 1), err
    assert b"Traceback" not in err
    assert snapshot_tree(tree) == before
