"""Nothing is ever written inside the scanned tree, by any command: content, mtimes and entries stay.

Adding a command is one line in COMMANDS. TODO when they land: `export` (each format, with -o
outside the tree), the UI with the watcher (`--screenshot` outside the tree), `check --watch`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import snapshot_tree
from tests.core.test_index import git
from tui.cli import main

REPO = Path(__file__).resolve().parents[2]

#: argv of every command that reads a tree ({tree} is replaced); each runs twice (cold, then warm).
COMMANDS = [
    ["check", "{tree}"],
    ["check", "{tree}", "--format", "json"],
    ["check", "{tree}", "--no-cache"],
    ["check", "{tree}", "--format", "json", "--no-cache"],
    ["check", "{tree}", "--fail-on", "warning", "--select", "LT1"],
]


def _argv(template: list[str], tree: Path) -> list[str]:
    return [arg.replace("{tree}", str(tree)) for arg in template]


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
def test_nothing_is_written_in_the_tree(capsys, tree: Path, command: list[str]):
    before = snapshot_tree(tree)
    for _ in range(2):
        assert main(_argv(command, tree)) in (0, 1)
        assert "Traceback" not in capsys.readouterr().err
    assert snapshot_tree(tree) == before


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
