"""A REUSE tree in the UI (issue 14): the status line names it, files take the colour of their effective
licence, the detail pane says where a file's licensing comes from, and the filter's source: knows REUSE's
sources. The tree is tui/demo/reuse-demo."""

from __future__ import annotations

import os

from tui.cli import demo_tree
from tui.ui.app import LictreeApp

from .helpers import run_async, screen_rows, settle

SIZE = (150, 46)
REUSE_DEMO = os.path.join(os.path.dirname(demo_tree()), "reuse-demo")


@run_async
async def test_a_reuse_tree_is_named_and_each_file_says_where_its_licence_comes_from(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    app = LictreeApp(REUSE_DEMO)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from textual.widgets import Static

        status = str(app.main.query_one("#summary", Static).render())
        assert status.startswith("REUSE tree  · 22 files"), status
        assert "kernel" not in status
        assert any("logo.png" in row or "assets" in row for row in screen_rows(app))
        assert app.tree.select_path("assets/logo.png")
        await settle(pilot)
        text = app.detail.text()
        assert "Effective licence  CC0-1.0  from its .license sidecar" in text
        assert "(assets/logo.png.license)" in text and "SPDX-FileCopyrightText: 2024 Jane Doe" in text
        assert app.tree.select_path("docs/guide.md")
        await settle(pilot)
        assert "Effective licence  CC-BY-4.0  from REUSE.toml" in app.detail.text()
        assert app.tree.select_path("src/app/todo.rb")
        await settle(pilot)
        text = app.detail.text()
        assert "LT700" in text and "LT701" in text and "No copyright notice." in text
        index = app.data.index
        from tui.core.query import parse_query

        hits = {index.paths[i] for i in parse_query("source:sidecar,reuse-toml").matches(index)}
        assert hits == {"assets/logo.png", "assets/icons/star.svg", "docs/guide.md", "docs/CHANGES.md"}


@run_async
async def test_the_summary_view_of_a_reuse_tree_names_it(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    app = LictreeApp(REUSE_DEMO)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        from tui.ui.summary_screen import SummaryScreen

        screen = app.screen
        assert isinstance(screen, SummaryScreen)
        while screen.summary is None:
            await pilot.pause(0.02)
        await settle(pilot)
        title = str(screen.query_one("#summary-title").content)
        assert title.startswith("Summary of 22 files of a REUSE tree  ·  findings: 7 errors"), title
        assert str(screen.query_one("#summary-title").render()).startswith("Summary of 22 files of a REUSE tree")


@run_async
async def test_edits_of_reuse_toml_and_a_new_sidecar_re_judge_the_files_they_cover(monkeypatch, tmp_path):
    """--watch (the default) on a REUSE tree: the files REUSE.toml covers and the file a new sidecar stands for
    are judged again, on screen, and the index ends equal to a fresh one."""
    import shutil

    from .test_watch import assert_same_as_fresh, landed, start

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    tree = tmp_path / "reuse-demo"
    shutil.copytree(REUSE_DEMO, tree)
    app = LictreeApp(str(tree))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert app.tree.select_path("docs/guide.md")
        await settle(pilot)
        assert "Effective licence  CC-BY-4.0  from REUSE.toml" in app.detail.text()
        toml = (tree / "REUSE.toml").read_text()
        (tree / "REUSE.toml").write_text(toml.replace('"CC-BY-4.0"', '"CC0-1.0"', 1))
        await landed(pilot, lambda: app.data.index.get("docs/guide.md").effective == ("CC0-1.0", "reuse-toml"),
                     "REUSE.toml's edit")
        assert app.data.index.get("docs/CHANGES.md").effective == ("CC0-1.0", "reuse-toml")
        assert "Effective licence  CC0-1.0  from REUSE.toml" in app.detail.text()
        # a sidecar appears beside the file without licensing information
        assert app.data.index.get("src/app/todo.rb").status == "untagged"
        (tree / "src/app/todo.rb.license").write_text("SPDX-FileCopyrightText: 2024 Jane Doe\n"
                                                      "SPDX-License-Identifier: MIT\n")
        await landed(pilot, lambda: app.data.index.get("src/app/todo.rb").effective == ("MIT", "sidecar"),
                     "the new sidecar")
        assert app.tree.select_path("src/app/todo.rb")
        await settle(pilot)
        text = app.detail.text()
        assert "Effective licence  MIT  from its .license sidecar" in text and "LT700" not in text
        status = str(app.main.query_one("#summary").render())
        assert status.startswith("REUSE tree  · 23 files"), status
        assert_same_as_fresh(app)
