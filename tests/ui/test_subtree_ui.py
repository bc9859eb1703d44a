"""`lictree linux/drivers/net`: the whole tree opens, at drivers/net (expanded, under the cursor)."""

from __future__ import annotations

import pytest

from tui.cli import demo_tree, main
from tui.core.scan import list_files
from tui.ui import launch as app_mod
from tui.ui.app import LictreeApp
from tui.ui.rows import DIR, FILE

from .helpers import run_async, settle

SIZE = (140, 44)
DEMO = demo_tree()


@pytest.mark.parametrize("listed", [False, True], ids=["rows-from-the-index", "rows-listed-before-start"])
@run_async
async def test_the_app_opens_at_the_directory_expanded_and_under_the_cursor(listed: bool):
    paths = list_files(DEMO).paths if listed else None
    app = LictreeApp(DEMO, paths=paths, select="drivers/net")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = app.tree.cursor_row
        assert (row.key, row.kind) == ("drivers/net", DIR)
        assert {"", "drivers", "drivers/net"} <= app.tree.model.expanded
        assert app.tree.model.row_of("drivers/net/foo.c") is not None  # its files are shown
        assert app.tree.model.row_of("kernel") is not None  # and the rest of the tree, around it
        assert len(app.data.index) == len(list_files(DEMO).paths)  # the whole tree is indexed
        assert "drivers/net" in app.detail.text()
        top = app.tree.scroll_offset.y
        assert top <= app.tree.cursor < top + app.tree.scrollable_content_region.height


@run_async
async def test_the_app_opens_at_a_file():
    app = LictreeApp(DEMO, select="drivers/misc/typo.c")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = app.tree.cursor_row
        assert (row.key, row.kind) == ("drivers/misc/typo.c", FILE)
        assert "GPL-2.0-onyl" in app.detail.text()


@run_async
async def test_a_path_with_no_file_of_the_tree_opens_at_the_top_and_says_so():
    app = LictreeApp(DEMO, select="drivers/nothing-here")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause(0.1)
        assert app.tree.cursor_row.key == ""
        assert any("no file of the tree is there" in str(n.message) for n in app._notifications)


def test_lictree_with_a_path_inside_the_tree_opens_the_tree_at_it(monkeypatch: pytest.MonkeyPatch):
    opened: dict[str, object] = {}

    def fake_run(args, root, indexing, scope=""):
        opened.update(root=root, scope=scope, indexed=indexing.root)
        indexing.stop()
        return 0

    monkeypatch.setattr(app_mod, "_run", fake_run)
    assert main([f"{DEMO}/drivers/net/"]) == 0
    assert opened == {"root": DEMO, "scope": "drivers/net", "indexed": DEMO}  # the tree's index and cache


def test_the_screenshot_of_a_subdirectory_shows_it_expanded(tmp_path):
    out = tmp_path / "shot.svg"
    assert main([f"{DEMO}/drivers/net", "--screenshot", str(out)]) == 0
    svg = out.read_text().replace("&#160;", " ")
    assert "wrongstyle.c" in svg and "linux-demo" in svg  # a file of drivers/net, in the whole tree
