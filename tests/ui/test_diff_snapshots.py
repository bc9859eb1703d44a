"""SVG snapshots of the comparison mode (``lictree --diff old new``) on the repository the screenshot of
docs/diff.md is drawn from (``tui.ui.screenshots.diff_demo_repo``: fixed commit dates, so fixed commit ids).
Update with: pytest tests/ui/test_diff_snapshots.py --snapshot-update (after looking at the differences)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.ui.diff_app import DiffApp
from tui.ui.screenshots import diff_demo_repo

SIZE = (130, 40)


@pytest.fixture
def demo_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path))  # the status line names the repository ~/linux-demo
    return diff_demo_repo(str(tmp_path))


async def on_fork(pilot) -> None:
    """Wait for the diff, then put the cursor on the relicensed kernel/fork.c."""
    app = pilot.app
    for _ in range(400):
        if app.diff is not None or app.error is not None:
            break
        await pilot.pause(0.05)
    assert app.diff is not None, app.error
    tree = app.tree
    for line in range(tree.last_line + 1):
        if getattr(tree.get_node_at_line(line).data, "path", None) == "kernel/fork.c":
            tree.cursor_line = line
    await pilot.pause(0.2)


def test_comparison_mode(snap_compare, demo_repo: str):
    assert snap_compare(DiffApp("old", "new", demo_repo), terminal_size=SIZE, run_before=on_fork)


def test_comparison_mode_help_in_the_light_theme(snap_compare, demo_repo: str):
    async def help_screen(pilot) -> None:
        await on_fork(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(DiffApp("old", "new", demo_repo, theme="light"), terminal_size=SIZE, run_before=help_screen)
