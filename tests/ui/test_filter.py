"""The filter bar, the summary view and export, driven with Pilot on the demo tree."""

from __future__ import annotations

import csv
import json
import os
import re

from textual.widgets import Input, OptionList

from tui.cli import demo_tree
from tui.core.build import refresh
from tui.core.query import parse_query
from tui.ui.app import LictreeApp
from tui.ui.export_screen import ExportScreen
from tui.ui.help_screen import HelpScreen
from tui.ui.rows import DIR, FILE, ancestors
from tui.ui.summary_screen import SummaryScreen

from ..conftest import snapshot_tree
from .helpers import run_async, screen_rows, settle, workers_done

SIZE = (140, 44)


async def type_query(pilot, text: str) -> None:
    """Open the bar and type *text* one key at a time, as a user would."""
    app = pilot.app
    if not app.filter_bar.input.has_focus:
        await pilot.press("slash")
    for char in text:
        await pilot.press("space" if char == " " else char)
    await pilot.pause()


def shown_files(app: LictreeApp) -> list[str]:
    return [r.key for r in app.tree.model.rows if r.kind == FILE]


def row_count(prompt: str) -> int:
    """The count of a summary row: "GPL-2.0 OR MIT      2  15.4%  ██▌" -> 2."""
    match = re.search(r"([\d,]+) +\d+\.\d%", prompt)
    assert match is not None, prompt
    return int(match.group(1).replace(",", ""))


def count_text(app: LictreeApp) -> str:
    return str(app.filter_bar.query_one("#filter-count").content)


def hint_text(app: LictreeApp) -> str:
    return str(app.filter_bar.query_one("#filter-hint").content)


@run_async
async def test_typing_a_query_narrows_the_tree_to_the_matches_and_their_open_ancestors():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_query(pilot, "status:invalid")
        assert count_text(app) == "4 of 52 files"
        assert shown_files(app) == ["drivers/misc/badexception.c", "drivers/misc/cc0.c", "drivers/misc/chain.c",
                                    "drivers/misc/typo.c"]
        rows = [line.rstrip() for line in screen_rows(app)]
        assert rows[1].startswith("└─ ▾ drivers/") and rows[2].startswith("   └─ ▾ misc/")
        assert rows[3].startswith("      ├─ ✗ badexception.c") and rows[6].startswith("      └─ ✗ typo.c")
        assert rows[7] == ""  # nothing else
        # One more term narrows further; the count follows.
        await type_query(pilot, " ext:c -chain")
        assert count_text(app) == "3 of 52 files"
        assert "drivers/misc/chain.c" not in shown_files(app)


@run_async
async def test_every_query_shows_exactly_its_matches_with_each_ancestor_open():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        index = app.data.index
        for query in ("license:MIT", "path:include", "class:deprecated", "rule:LT2", "-status:valid ext:c", "demo"):
            await pilot.press("slash", "ctrl+u")
            await type_query(pilot, query)
            expected = [index.paths[i] for i in parse_query(query).matches(index)]
            assert sorted(shown_files(app)) == sorted(expected), query
            assert count_text(app) == f"{len(expected)} of 52 files"
            dirs = {r.key for r in app.tree.model.rows if r.kind == DIR}
            assert dirs == {d for path in expected for d in ancestors(path)}, query
            assert dirs <= app.tree.model.expanded


@run_async
async def test_escape_clears_the_filter_keeps_the_cursor_on_its_file_and_restores_what_was_open():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.tree.select_path("kernel/fork.c")
        app.tree.select_path("drivers/misc/typo.c")
        before_open = set(app.tree.model.expanded)
        await type_query(pilot, "ext:c")
        assert app.tree.cursor_row.key == "drivers/misc/typo.c"  # still shown: the cursor stays
        await type_query(pilot, " misc")
        await pilot.press("enter")
        assert app.tree.has_focus and app.filter_bar.shown  # Enter keeps the filter, back in the tree
        await pilot.press("j")
        assert app.tree.cursor_row.key == app.tree.model.rows[app.tree.cursor].key
        app.tree.select_path("drivers/misc/typo.c")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.filter_bar.shown and not app.tree.model.filtered
        assert app.tree.cursor_row.key == "drivers/misc/typo.c"
        assert set(app.tree.model.expanded) == before_open
        assert len(shown_files(app)) == len([p for p in app.data.index.paths
                                             if all(d in before_open for d in ancestors(p))])
        # From the top, a filter puts the cursor on its first file; Esc leaves it there, in the whole tree.
        await pilot.press("home")
        await type_query(pilot, "rule:LT300")
        assert app.tree.cursor_row.key == "include/uapi/linux/nonote.h"
        await pilot.press("enter", "escape")
        assert not app.tree.model.filtered and app.tree.cursor_row.key == "include/uapi/linux/nonote.h"
        assert {"include/uapi/linux/demo.h", "drivers/misc/typo.c", "kernel/fork.c"} <= set(shown_files(app))


@run_async
async def test_a_query_that_cannot_be_read_says_why_and_the_tree_keeps_the_last_filter():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_query(pilot, "ext:h")
        kept = shown_files(app)
        assert len(kept) == 6
        await type_query(pilot, " -status:u")  # unfinished: completions, not an error
        assert "-status:untagged" in hint_text(app) and "-status:unreadable" in hint_text(app)
        assert not app.filter_bar.input.has_class("-invalid")
        await type_query(pilot, "x")  # "status:ux" cannot become anything
        assert hint_text(app) == ("✗ unknown status 'ux' (one of valid, untagged, invalid, unreadable, excluded)"
                                  "  (column 15; the tree keeps the last filter)")
        assert app.filter_bar.input.has_class("-invalid")
        assert shown_files(app) == kept and count_text(app) == "still 6 of 52 files"
        await pilot.press("backspace", *"nreadable")
        await pilot.pause()
        assert shown_files(app) == kept and count_text(app) == "6 of 52 files"
        assert not app.filter_bar.input.has_class("-invalid")
        # An error before the last word: the same.
        await pilot.press("home", *"class:nope", "space")
        await pilot.pause()
        assert app.filter_bar.text == "class:nope ext:h -status:unreadable"
        assert hint_text(app).startswith("✗ unknown class 'nope'") and "the tree keeps the last filter" in hint_text(app)
        assert shown_files(app) == kept and count_text(app) == "still 6 of 52 files"
        await pilot.press("end", "ctrl+u")
        await type_query(pilot, " nosuchfile")
        assert shown_files(app) == [] and count_text(app) == "no file matches"
        assert [r.key for r in app.tree.model.rows] == [""]  # the root stays


@run_async
async def test_tab_completes_keys_and_license_ids_and_cycles_through_the_choices():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        field = app.filter_bar.query_one(Input)
        await type_query(pilot, "lic")
        await pilot.press("tab")
        assert field.value == "license:"
        assert field.has_focus  # Tab completes; it does not leave the bar
        await pilot.press("M", "tab")
        assert field.value == "license:MIT"
        assert "license:MPL-1.1" in hint_text(app)
        await pilot.press("tab")
        assert field.value == "license:MPL-1.1"
        await pilot.press("tab")
        assert field.value == "license:MIT"
        await pilot.pause()
        assert count_text(app) == "6 of 52 files"  # MIT on any side, valid tag or not, or an untagged file's notice
        # → takes the grey suggestion, as in any Textual input.
        await type_query(pilot, " status:unt")
        await pilot.pause()
        await pilot.press("right")
        assert field.value == "license:MIT status:untagged"
        # Directories complete under path:.
        await pilot.press("ctrl+u")
        await type_query(pilot, "path:drivers/m")
        await pilot.press("tab")
        assert field.value == "path:drivers/misc/"


@run_async
async def test_n_and_shift_n_stay_within_the_filter():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_query(pilot, "path:include")
        await pilot.press("enter")
        await pilot.press("n")
        assert app.tree.cursor_row.key == "include/uapi/linux/nonote.h"
        await pilot.press("n")
        assert app.tree.cursor_row.key == "include/uapi/linux/nonote.h"  # the only problem shown
        await pilot.press("escape")
        await type_query(pilot, "path:drivers/misc -typo")
        await pilot.press("enter", "home")
        visited = []
        for _ in range(5):
            await pilot.press("n")
            visited.append(app.tree.cursor_row.key)
        assert visited == ["drivers/misc/badexception.c", "drivers/misc/cc0.c", "drivers/misc/chain.c",
                           "drivers/misc/twotags.c", "drivers/misc/badexception.c"]
        await pilot.press("N")
        assert app.tree.cursor_row.key == "drivers/misc/twotags.c"
        # No problem among the files shown: n goes to the files with findings (warnings, notes).
        await pilot.press("escape")
        await type_query(pilot, "path:kernel -fork")
        await pilot.press("enter", "home", "n")
        assert app.tree.cursor_row.key == "kernel/printk.c"
        assert "No problems among the files shown: going to files with findings." in [
            n.message for n in app._notifications]
        await pilot.press("N")
        assert app.tree.cursor_row.key == "kernel/printk.c"


@run_async
async def test_the_summary_counts_the_files_shown_and_a_row_filters_the_tree_by_itself():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_query(pilot, "path:drivers")
        await pilot.press("enter", "s")
        screen = app.screen
        assert isinstance(screen, SummaryScreen)
        while screen.summary is None:
            await pilot.pause(0.02)
        assert screen.summary["files"] == 16 and screen.summary["statuses"]["invalid"] == 4
        title = str(screen.query_one("#summary-title").content)
        assert title.startswith("Summary of 16 files of a kernel tree matching path:drivers")
        options = screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        row = next(i for i, p in enumerate(prompts) if p.startswith("GPL-2.0 OR MIT "))
        assert "also gpl-2.0 or mit" in prompts[row]  # one row for the spellings expr: matches
        assert row_count(prompts[row]) == 3  # "GPL-2.0 OR MIT ... 3  23.1%  ██…"
        options.highlighted = row
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SummaryScreen) and app.tree.has_focus
        assert app.filter_bar.text == 'path:drivers expr:"GPL-2.0 OR MIT" status:valid'
        assert shown_files(app) == ["drivers/misc/lowercase.c", "drivers/net/foo.c", "drivers/net/foo.h"]
        # A license row counts the valid tags that name it; choosing it shows those files.
        await pilot.press("s")
        screen = app.screen
        while screen.summary is None:
            await pilot.pause(0.02)
        assert screen.summary["licenses"] == {"GPL-2.0": 3, "MIT": 3}
        await pilot.press("escape")
        assert not isinstance(app.screen, SummaryScreen)


@run_async
async def test_every_summary_row_shows_as_many_files_as_it_counts():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        screen = app.screen
        while screen.summary is None:
            await pilot.pause(0.02)
        index = app.data.index
        options = screen.query_one(OptionList)
        checked = 0
        for i in range(options.option_count):
            option = options.get_option_at_index(i)
            query = screen.filter_of(option.id)
            if query is None or query.startswith("path:"):  # directories count the files directly in them
                continue
            count = row_count(str(option.prompt))
            assert len(parse_query(query).matches(index)) == count, query
            checked += 1
        assert checked >= 30


@run_async
async def test_export_from_the_ui_writes_the_filtered_report_outside_the_tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = snapshot_tree(demo_tree())
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_query(pilot, "path:drivers/misc")
        await pilot.press("enter", "x")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        field = screen.query_one("#export-path", Input)
        assert field.value == str(tmp_path / "linux-demo-licenses.json")  # the current directory
        await pilot.press("down")  # csv: the default name follows the format
        assert field.value == str(tmp_path / "linux-demo-licenses.csv")
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        with open(tmp_path / "linux-demo-licenses.csv", newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert sorted(r["path"] for r in rows) == sorted(shown_files(app))
        assert len(rows) == 6
        # json, to a path typed by hand
        await pilot.press("x")
        screen = app.screen
        await pilot.press("up")
        field = screen.query_one("#export-path", Input)
        field.value = str(tmp_path / "out" / "report.json")
        await pilot.pause()
        assert "no such directory" in str(screen.query_one("#export-note").content)
        await pilot.press("tab", "enter")
        assert isinstance(app.screen, ExportScreen)  # a bad path keeps the dialog open
        os.mkdir(tmp_path / "out")
        field.value = str(tmp_path / "out" / "report.json")
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        document = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
        assert document["filter"] == "path:drivers/misc"
        assert document["summary"]["files"] == 6 and document["summary"]["statuses"]["invalid"] == 4
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Wrote the json report of 6 files to ") and "report.json" in m for m in messages)
    assert snapshot_tree(demo_tree()) == before


@run_async
async def test_the_default_export_file_is_never_inside_the_scanned_tree(demo_copy, monkeypatch, tmp_path):
    monkeypatch.chdir(demo_copy / "drivers")
    monkeypatch.setenv("HOME", str(tmp_path))
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        field = app.screen.query_one("#export-path", Input)
        assert field.value == str(tmp_path / "linux-demo-licenses.json")
        await pilot.press("escape")
        assert not isinstance(app.screen, ExportScreen)


@run_async
async def test_a_failed_export_is_a_plain_sentence(tmp_path, monkeypatch):
    from tui.core import export

    def fail(*args, **kwargs):
        raise export.ExportError("cannot write report.json: No space left on device")

    monkeypatch.setattr(export, "write", fail)
    monkeypatch.chdir(tmp_path)
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x", "enter")
        await workers_done(app)
        await pilot.pause()
        errors = [n for n in app._notifications if n.severity == "error"]
        assert [n.message for n in errors] == ["Nothing was written: cannot write report.json: No space left on device"]


@run_async
async def test_new_keys_are_in_the_footer_the_help_and_the_command_palette():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = {binding.key for _node, binding, _enabled, _tooltip in app.active_bindings.values() if binding.show}
        assert {"slash", "s", "x"} <= footer and "escape" not in footer
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Filter", "Summary", "Export"} <= commands and "Clear filter" not in commands
        await type_query(pilot, "usb")
        await pilot.press("enter")
        footer = {binding.key for _node, binding, _enabled, _tooltip in app.active_bindings.values() if binding.show}
        assert "escape" in footer
        assert "Clear filter" in {c.title for c in app.get_system_commands(app.screen)}
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").content)
        for words in ("/    Filter", "s    Summary", "x    Export", "Tab    Complete", "license:MIT",
                      "status:untagged", "rule:LT1", "path:drivers/net", "ext:h", "-status:valid",
                      "n N", "the next file with a finding"):
            assert words in text, words


@run_async
async def test_the_filter_follows_files_that_change(demo_copy):
    """What a watcher does: re-read changed files in the index, then refresh_filter()."""
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_query(pilot, "status:untagged")
        await pilot.press("enter")
        untagged = ["drivers/gpu/amd/amd_demo.c", "drivers/staging/oldboard.c"]  # with a notice: untagged still
        assert shown_files(app) == [*untagged, "kernel/printk.c", "lib/demo-lib/LICENCE", "lib/demo-lib/crc.c"]
        (demo_copy / "kernel" / "printk.c").write_text("// SPDX-License-Identifier: GPL-2.0\nint p;\n")
        (demo_copy / "kernel" / "new.c").write_text("int n;\n")
        refresh(app.data.index, ["kernel/printk.c", "kernel/new.c"])
        app.refresh_filter()
        await pilot.pause()
        assert shown_files(app) == [*untagged, "kernel/new.c", "lib/demo-lib/LICENCE", "lib/demo-lib/crc.c"]
        assert count_text(app) == "5 of 53 files"
        await pilot.press("escape")
        assert app.tree.select_path("kernel/printk.c")


@run_async
async def test_tab_switches_between_the_tree_and_the_detail_pane_while_the_filter_bar_is_open():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_query(pilot, "status:invalid")
        await pilot.press("enter")  # keep the filter: the bar stays open, the tree has the focus
        await pilot.pause()
        assert app.filter_bar.display and app.tree.has_focus
        await pilot.press("tab")
        assert app.detail.has_focus
        await pilot.press("tab")
        assert app.tree.has_focus and not app.filter_bar.input.has_focus
        await pilot.press("tab", "shift+tab")
        assert app.tree.has_focus
        await pilot.press("slash")  # the bar is one key away, as always
        assert app.filter_bar.input.has_focus
