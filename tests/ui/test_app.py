"""The terminal UI driven with Pilot on the demo tree and on small trees made for each test."""

from __future__ import annotations

import threading

import pytest

from tui.cli import demo_tree
from tui.core import build as index_mod
from tui.core.build import build_index, refresh
from tui.ui import indexing
from tui.ui.app import LictreeApp
from tui.ui.help_screen import HelpScreen
from tui.ui.rows import FILE

from ..conftest import snapshot_tree, write_tree
from .helpers import press_until, run_async, screen_rows, settle

SIZE = (140, 44)


@run_async
async def test_keyboard_navigation_expands_selects_and_shows_the_file_detail():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_until(pilot, "j", "drivers")
        await pilot.press("enter")
        assert "drivers" in app.tree.model.expanded
        await pilot.press("l")
        assert app.tree.cursor_row.key == "drivers/gpu"
        await press_until(pilot, "down", "drivers/misc")
        await pilot.press("space", "right")
        assert app.tree.cursor_row.key == "drivers/misc/badexception.c"
        await press_until(pilot, "j", "drivers/misc/typo.c")
        await settle(pilot)
        text = app.detail.text()
        assert "✗ invalid  GPL-2.0-onyl  (line 1)" in text
        assert "LT101 error" in text and "Invalid License ID: GPL-2.0-onyl" in text
        assert "^^^^^^^^^^^^" in text  # the caret under the bad id
        assert "▶1 │ // SPDX-License-Identifier: GPL-2.0-onyl" in text  # the head, tag line marked
        assert "COPYING  top level" in text
        await pilot.press("k")
        assert app.tree.cursor_row.key == "drivers/misc/twotags.c"
        await pilot.press("left")
        assert app.tree.cursor_row.key == "drivers/misc"
        await pilot.press("left")
        assert "drivers/misc" not in app.tree.model.expanded
        assert app.tree.model.row_of("drivers/misc/typo.c") is None


@run_async
async def test_an_untagged_file_says_the_copying_default_applies_and_shows_the_nearer_licence():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.tree.select_path("lib/demo-lib/crc.c")
        await settle(pilot)
        text = app.detail.text()
        assert "the default of the top-level COPYING applies: GPL-2.0 WITH Linux-syscall-note" in text
        assert "GPL-2.0  preferred  LICENSES/preferred/GPL-2.0" in text
        assert "may follow   GPL-2.0, GPL-2.0+" in text  # the exception's SPDX-Licenses
        assert "lib/demo-lib/LICENCE  nearer, in lib/demo-lib/" in text
        assert "top level: applies to this file, which has no tag" in text


@run_async
async def test_wrapped_usage_guide_lines_keep_their_indent_in_a_narrow_detail_pane():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=(90, 60)) as pilot:
        await settle(pilot)
        assert app.tree.select_path("lib/demo-lib/crc.c")
        await settle(pilot)
        lines = [strip.text.rstrip() for strip in app.detail._wrap()]
        start = next(i for i, line in enumerate(lines) if line.strip() == "Usage-Guide")
        guide = []
        for line in lines[start + 1:]:
            if not line.strip():  # the entry ends with a blank line
                break
            guide.append(line)
        width = app.detail.scrollable_content_region.width
        assert len(guide) > 3 and any(len(line) > width - 12 for line in guide)  # long lines were wrapped
        assert all(line.startswith("    ") for line in guide), guide  # every one in the guide's column
        assert any(line.startswith("      SPDX-License-Identifier:") for line in guide)  # the examples' own indent


@run_async
async def test_a_directory_shows_its_counts_per_status_and_license():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = app.detail.text()
        root = build_index(demo_tree(), use_cache=False).dirs()[""]
        assert text.startswith(f"linux-demo/\n52 files  ✗ {root.problems} with problems  ! {root.findings} with findings")
        assert "✓ valid            29   55.8%" in text
        assert "– excluded         14   26.9%" in text
        assert "SPDX tag               33   63.5%" in text  # where the licences come from
        assert "¶ notice, no tag        2    3.8%" in text
        assert "COPYING default         3    5.8%" in text
        assert "14   45.2%  GPL-2.0" in text  # of the 31 files with a tag's or a notice's licence
        assert "MIT  ¶ all from notices" in text
        top = screen_rows(app)[0]
        assert top.startswith("▾ linux-demo/") and top.rstrip().endswith(f"✗ {root.problems}")


@run_async
async def test_expand_all_collapse_all_home_end_and_page_keys():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        files = [r for r in app.tree.model.rows if r.kind == FILE]
        assert len(files) == len(app.data.index)
        await pilot.press("end")
        assert app.tree.cursor == len(app.tree.model.rows) - 1
        assert app.tree.scroll_offset.y > 0  # the last row was scrolled into view
        await pilot.press("pageup")
        assert app.tree.cursor < len(app.tree.model.rows) - 30
        await pilot.press("home")
        assert app.tree.cursor == 0 and app.tree.scroll_offset.y == 0
        await pilot.press("pagedown")
        assert app.tree.cursor > 30
        await pilot.press("c")
        assert max(r.depth for r in app.tree.model.rows) == 1


@run_async
async def test_next_and_previous_problem_visit_each_invalid_file_in_tree_order():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        visited = []
        for _ in range(8):
            await pilot.press("n")
            visited.append(app.tree.cursor_row.key)
        assert visited == [
            "drivers/misc/badexception.c", "drivers/misc/cc0.c", "drivers/misc/chain.c", "drivers/misc/twotags.c",
            "drivers/misc/typo.c", "drivers/staging/retagged.c",  # its tag contradicts its notice: LT601, an error
            "include/uapi/linux/nonote.h",
            "drivers/misc/badexception.c",  # wraps around
        ]
        await pilot.press("N")
        assert app.tree.cursor_row.key == "include/uapi/linux/nonote.h"


@run_async
async def test_mouse_click_selects_a_row_and_a_second_click_opens_it():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = app.tree.model.row_of("drivers")
        await pilot.click("#tree", offset=(10, row))
        assert app.tree.cursor_row.key == "drivers" and "drivers" not in app.tree.model.expanded
        await pilot.click("#tree", offset=(10, row))
        assert "drivers" in app.tree.model.expanded
        await pilot.click("#tree", offset=(4, row))  # on the ▾
        assert "drivers" not in app.tree.model.expanded


@run_async
async def test_file_names_are_data_never_markup(tmp_path):
    # "[red]x[/red].c" is a file "red].c" in a directory "[red]x[": both must show their brackets.
    files = {"[red]x[/red].c": "// SPDX-License-Identifier: MIT\n", "[b]y.c": "int y;\n", "b\x1b[2Jc.c": "int x;\n"}
    root = write_tree(tmp_path, files)
    before = snapshot_tree(root)
    app = LictreeApp(str(root))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.tree.select_path("[red]x[/red].c")
        await settle(pilot)
        rows = screen_rows(app)
        assert any("▾ [red]x[/" in line for line in rows)
        assert any("└─ ✓ red].c" in line and "MIT" in line for line in rows)
        assert any("○ [b]y.c" in line for line in rows)
        assert any("○ b\\x1b[2Jc.c" in line for line in rows)  # the escape made visible, not sent
        assert app.detail.text().startswith("[red]x[/red].c\n✓ valid  MIT")
    assert snapshot_tree(root) == before


@run_async
async def test_the_tree_is_usable_before_indexing_ends(monkeypatch, tmp_path):
    root = write_tree(tmp_path, {f"d{i}/f{j}.c": "// SPDX-License-Identifier: GPL-2.0\n" for i in range(3) for j in range(3)})
    release = threading.Event()
    real_build = index_mod.build_index

    def slow_build(path, *, use_cache=True, workers=None, progress=None, listing=None, notice_progress=None):
        def first_batch_then_wait(batch, done, total):
            progress(batch, done, total)
            release.wait(10)
        return real_build(path, use_cache=False, workers=1, progress=first_batch_then_wait, listing=listing)

    monkeypatch.setattr(indexing, "build_index", slow_build)
    from tui.core.scan import list_files

    app = LictreeApp(str(root), paths=list_files(str(root)).paths)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            await pilot.pause(0.02)
            if app.data.pending:
                break
        assert not app.data.ready and app.tree.model.row_of("d0") is not None
        await press_until(pilot, "j", "d0")
        await pilot.press("enter")
        assert "d0" in app.tree.model.expanded  # keys work while indexing
        assert any("✓ f0.c" in line and "GPL-2.0" in line for line in screen_rows(app))
        for _ in range(100):  # the status line is redrawn a few times a second while indexing
            if str(app.main.query_one("#summary").content).startswith("reading 14 of 14 files"):
                break
            await pilot.pause(0.02)
        assert str(app.main.query_one("#summary").content).startswith("reading 14 of 14 files")
        for _ in range(100):  # a directory's counts wait for the last file; its pane says so, not a stale count
            if app.detail.shown_key == "d0":
                break
            await pilot.pause(0.02)
        assert "its counts are shown once every file is read" in app.detail.text()
        assert "files read" not in app.detail.text()
        release.set()
        await settle(pilot)
        status = str(app.main.query_one("#summary").content)
        assert app.data.ready and status.startswith("kernel tree  · 14 files  ✓ 11 valid")
        assert app.tree.cursor_row.key == "d0" and "d0" in app.tree.model.expanded


@run_async
async def test_help_screen_lists_the_keys_and_glyphs_and_closes():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").content)
        for words in ("Expand all", "Collapse all", "Next problem", "↑ k", "Enter Space", "PgDn ^f",
                      "invalid tag", "no SPDX tag: the COPYING default applies", "excluded by scripts/spdxexclude"):
            assert words in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@run_async
async def test_themes_switch_from_the_option_and_the_command_palette():
    app = LictreeApp(demo_tree(), theme="okabe-ito")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "okabe-ito"
        assert app.tree.palette is app.theme_specs["okabe-ito"].palette
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"Theme: dark", "Theme: light", "Theme: okabe-ito", "Theme: mono", "Expand all"} <= set(commands)
        commands["Theme: light"].callback()
        await pilot.pause()
        assert app.theme == "light" and app.tree.palette is app.theme_specs["light"].palette
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"expand all")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert len(app.tree.model.rows) > 60  # the palette ran the tree's action


@pytest.mark.parametrize("name", ["dark", "light", "okabe-ito", "mono"])
def test_every_shipped_theme_loads_with_a_full_palette(name):
    from tui.ui.themes import STATUS_KEYS, load_themes

    specs, errors = load_themes()
    assert errors == []
    spec = specs[name]
    assert set(spec.palette.status) == set(STATUS_KEYS)
    assert spec.palette.license_colour("GPL-2.0-only") == spec.palette.license_colour("GPL-2.0")
    assert spec.palette.license_colour("(GPL-2.0 OR MIT)") == (spec.palette.dual or spec.palette.other[0])


@run_async
async def test_d_hides_the_detail_pane_and_the_tree_takes_the_width():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.tree.size.width < SIZE[0] * 0.6
        await pilot.press("d")
        await pilot.pause()
        assert not app.detail.display and app.tree.size.width >= SIZE[0] - 2
        await pilot.press("d", "j")
        await settle(pilot)
        assert app.detail.display and app.detail.shown_key == app.tree.cursor_row.key


@run_async
async def test_an_index_refresh_keeps_the_cursor_and_what_is_open(tmp_path):
    # What a file watcher will do: refresh the index, then hand the tree the new paths.
    root = write_tree(tmp_path, {"a/x.c": "// SPDX-License-Identifier: MIT\n", "b/y.c": "int y;\n"})
    app = LictreeApp(str(root))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.tree.select_path("b/y.c")
        await settle(pilot)
        (root / "a" / "new.c").write_text("// SPDX-License-Identifier: GPL-2.0-onyl\n")
        (root / "b" / "y.c").write_text("// SPDX-License-Identifier: MIT\n")
        index = app.data.index
        refresh(index, ["a/new.c", "b/y.c"])
        app.data.index_changed()
        app.tree.set_paths(index.paths)
        app.tree.data_changed()
        await settle(pilot)
        assert app.tree.cursor_row.key == "b/y.c" and "b" in app.tree.model.expanded
        assert app.detail.text().startswith("b/y.c\n✓ valid  MIT")
        await pilot.press("n")
        assert app.tree.cursor_row.key == "a/new.c"  # the new problem is found, its directory opened


@run_async
async def test_a_broken_theme_file_is_named_literally(tmp_path, monkeypatch):
    """The name of a broken user theme is shown as it is: "[bold]" in it is not Rich markup."""
    themes = tmp_path / "config" / "lictree" / "themes"
    themes.mkdir(parents=True)
    (themes / "[bold]broken.toml").write_text("this is not = = toml\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        shown = " ".join(str(toast.render()).replace("\n", "") for toast in app.screen.query("Toast"))
        assert "[bold]broken.toml" in shown, shown


@run_async
async def test_what_threads_report_after_exit_is_dropped(monkeypatch):
    """Indexing and the watcher report from threads; once the app is exiting, its screens may be half torn
    down, so their messages are dropped rather than crashing on widgets that are gone."""
    from tui.ui import messages

    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        handled: list[str] = []
        monkeypatch.setattr(app.data, "set_counted", lambda: handled.append("counted"))
        app.post_message(messages.IndexReady(app.data.index, 0.1))
        await pilot.pause()
        assert handled == ["counted"]  # while running, handled
        app.exit()
        app.post_message(messages.IndexReady(app.data.index, 0.1))
        await pilot.pause()
        assert handled == ["counted"]  # after exit, dropped
    assert app.crash_error is None
