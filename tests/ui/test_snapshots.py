"""SVG snapshots of the main screens on the demo tree (update with: pytest tests/ui --snapshot-update).

Each waits until the index is loaded and the detail pane shows the cursor's row, so no picture
depends on timing.
"""

from __future__ import annotations

from tui.cli import demo_tree
from tui.ui.app import LictreeApp

from .helpers import settle

SIZE = (130, 40)


def test_main_screen_on_the_demo_tree(snap_compare):
    assert snap_compare(LictreeApp(demo_tree()), terminal_size=SIZE, run_before=settle)


def test_an_invalid_file_with_its_detail(snap_compare):
    async def open_typo(pilot):
        await settle(pilot)
        pilot.app.tree.select_path("drivers/misc/typo.c")
        await settle(pilot)

    assert snap_compare(LictreeApp(demo_tree()), terminal_size=SIZE, run_before=open_typo)


def test_an_untagged_file_under_a_nearer_licence_in_the_light_theme(snap_compare):
    async def open_crc(pilot):
        await settle(pilot)
        pilot.app.tree.select_path("lib/demo-lib/crc.c")
        await settle(pilot)

    assert snap_compare(LictreeApp(demo_tree(), theme="light"), terminal_size=SIZE, run_before=open_crc)


def test_everything_expanded_in_the_colour_blind_safe_theme(snap_compare):
    async def expand(pilot):
        await settle(pilot)
        await pilot.press("e", "n")
        await settle(pilot)

    assert snap_compare(LictreeApp(demo_tree(), theme="okabe-ito"), terminal_size=SIZE, run_before=expand)


def test_help_screen(snap_compare):
    async def help_screen(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(LictreeApp(demo_tree()), terminal_size=SIZE, run_before=help_screen)
