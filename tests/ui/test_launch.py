"""`lictree [PATH]` before and after the app: bad roots, unknown themes, screenshots, crashes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tui.cli import main
from tui.ui.app import LictreeApp

from ..conftest import snapshot_tree, write_tree
from .helpers import svg_rows


def test_a_missing_root_is_one_line_on_stderr_and_exit_2(tmp_path, capsys):
    assert main([str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file or directory" in err


def test_no_path_in_a_directory_that_is_not_a_source_tree_says_so(tmp_path, capsys, monkeypatch):
    (tmp_path / "notes.txt").write_text("hello\n")
    monkeypatch.chdir(tmp_path)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "does not look like a source tree" in err and "lictree --demo" in err and "Traceback" not in err


def test_an_unknown_theme_lists_the_themes(capsys):
    assert main(["--demo", "--theme", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no theme named 'nope'" in err and "dark, light, mono, okabe-ito" in err


@pytest.mark.parametrize(("body", "reason"), [
    ('[theme]\nprimary = "#ff0000"\n', "needs a [theme] table with at least name and primary"),
    ('[theme]\nname = "mine"\nprimary = "#ff0000"\n[status]\nvalid = "#00ff00"\n', "[status] lacks"),
])
def test_a_broken_theme_file_says_why_on_the_command_line(tmp_path, capsys, monkeypatch, body, reason):
    themes = tmp_path / "config" / "lictree" / "themes"
    themes.mkdir(parents=True)
    (themes / "mine.toml").write_text(body)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert main(["--demo", "--theme", "mine"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "theme 'mine' cannot be used" in err and "mine.toml" in err and reason in err


def test_screenshot_writes_an_svg_of_the_indexed_tree_and_nothing_in_the_tree(tmp_path, capsys):
    root = write_tree(tmp_path / "tree", {"kernel/a.c": "// SPDX-License-Identifier: GPL-2.0\n", "b.c": "int b;\n"})
    before = snapshot_tree(root)
    out = tmp_path / "shot.svg"
    assert main([str(root), "--screenshot", str(out)]) == 0
    svg = out.read_text()
    assert svg.startswith("<svg") and "kernel/" in svg.replace("&#160;", " ") and "untagged" in svg
    assert snapshot_tree(root) == before


def test_a_crash_leaves_a_sentence_and_a_report_outside_the_tree(tmp_path, capsys, monkeypatch):
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    root = write_tree(tmp_path / "tree", {"a.c": "int a;\n"})
    before = snapshot_tree(root)

    def explode(self):
        raise RuntimeError("boom [red]not markup[/red]")

    monkeypatch.setattr(LictreeApp, "_summary_content", explode)  # runs when the index is ready
    assert main([str(root), "--screenshot", str(tmp_path / "x.svg")]) == 1
    err = capsys.readouterr().err
    assert "lictree: internal error (RuntimeError: boom [red]not markup[/red])" in " ".join(err.split())
    assert "Traceback" not in err
    reports = list(state.glob("lictree/crash-*.txt"))
    assert len(reports) == 1
    report = reports[0].read_text()
    assert "RuntimeError: boom" in report and "Traceback" in report and str(root) in report
    assert snapshot_tree(root) == before
    assert not (root / "x.svg").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_the_tree_is_shown_but_never_opened(tmp_path):
    root = write_tree(tmp_path / "tree", {"a.c": "// SPDX-License-Identifier: MIT\n"})
    os.mkfifo(root / "pipe")
    shot = tmp_path / "s.svg"
    # In a child with a time limit: opening the FIFO would block forever (no writer).
    done = subprocess.run([sys.executable, "-c", "import sys; from tui.cli import entry; sys.exit(entry())",
                           str(root), "--screenshot", str(shot)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = svg_rows(shot.read_text())
    pipe = next(row for row in rows if "pipe" in row)
    assert "? pipe" in pipe and "unreadable" in pipe  # shown, with the glyph of a file that was not read
    assert any("✓ a.c" in row and "MIT" in row for row in rows)
