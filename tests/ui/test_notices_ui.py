"""Licence notices in the UI (issue 13): what a user sees of an untagged file whose notice grants a licence,
in the tree, the detail pane, the summary and the filter, on the demo tree (and a copy of it, edited)."""

from __future__ import annotations

from pathlib import Path

from rich.style import Style

from tui.cli import demo_tree
from tui.ui.app import LictreeApp
from tui.ui.help_screen import HelpScreen
from tui.ui.summary_screen import SummaryScreen

from .helpers import press_until, run_async, screen_rows, settle, workers_done
from .test_watch import landed, start

SIZE = (150, 46)
AMD = "drivers/gpu/amd/amd_demo.c"
MIT_NOTICE = """/*
 * Copyright 2024 Demo Devices, Inc.
 *
 * Permission is hereby granted, free of charge, to any person obtaining a
 * copy of this software and associated documentation files (the "Software"),
 * to deal in the Software without restriction, including without limitation
 * the rights to use, copy, modify, merge, publish, distribute, sublicense,
 * and/or sell copies of the Software, and to permit persons to whom the
 * Software is furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in
 * all copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.  IN NO EVENT SHALL
 * THE COPYRIGHT HOLDER(S) OR AUTHOR(S) BE LIABLE FOR ANY CLAIM, DAMAGES OR
 * OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE,
 * ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR
 * OTHER DEALINGS IN THE SOFTWARE.
 */
int x;
"""


def row_of(app: LictreeApp, key: str, is_dir: bool = False) -> tuple[str, list]:
    """The text of *key*'s row on screen and its segments."""
    tree = app.tree
    index = tree.model.row_index(key, is_dir)
    assert index is not None, f"{key} has no row"
    y = index - tree.scroll_offset.y
    assert 0 <= y < tree.scrollable_content_region.height, f"{key} is not on screen"
    strip = tree.render_line(y)
    return strip.text, list(strip)


def segment_with(segments: list, text: str):
    found = [s for s in segments if text in s.text]
    assert found, f"no segment holds {text!r}: {[s.text for s in segments]}"
    return found[0]


@run_async
async def test_an_untagged_file_with_a_notice_shows_its_licence_marked_never_as_a_tag():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.tree.select_path(AMD)
        await settle(pilot)
        text, segments = row_of(app, AMD)
        assert "○ amd_demo.c" in text  # untagged: the glyph is the verdict's (spdxcheck's), the licence column the notice's
        assert "¶ MIT" in text and "untagged" not in text
        licence = segment_with(segments, "¶ MIT")
        assert licence.style.italic  # marked twice: ¶ and italics, so mono (no colour) tells it apart too
        assert licence.style.color == Style.parse(app.palette.license_colour("MIT")).color  # in MIT's colour
        # an untagged file without a notice still says untagged
        assert app.tree.select_path("lib/demo-lib/crc.c")
        await settle(pilot)
        crc, _segments = row_of(app, "lib/demo-lib/crc.c")
        assert "untagged" in crc and "¶" not in crc
        # the directory of notice-only files: its main licence is the notice's, marked; its bar has ▒ for it
        gpu, segments = row_of(app, "drivers/gpu/amd", True)
        assert "¶ MIT" in gpu and "▒" in gpu and "untagged" not in gpu
        assert segment_with(segments, "¶ MIT").style.italic
        stats = app.data.directory("drivers/gpu/amd")
        assert stats.sources["notice"] == 1 and stats.licenses["MIT"] >= 1


@run_async
async def test_the_detail_pane_shows_the_notice_lines_rule_score_effective_licence_and_the_tag_to_add():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.tree.select_path(AMD)
        await settle(pilot)
        notice = app.data.index.notices[AMD]
        text = app.detail.text()
        assert text.startswith(f"{AMD}\n○ untagged  ¶ MIT  (the notice, lines {notice.line}–{notice.end_line})")
        assert "Licence notice" in text
        assert f"Notice         lines {notice.line}–{notice.end_line} say ¶ MIT  (marked ¶ in the head)" in text
        assert f"Matched rule   {notice.rule}" in text
        assert f"Score          {notice.score} of 100" in text
        assert "Suggested tag  // SPDX-License-Identifier: MIT  on line 1" in text
        assert "Effective licence  ¶ MIT  from its licence notice (no tag)" in text
        assert "the COPYING default does not apply" in text.replace("\n", " ").replace("The COPYING", "the COPYING")
        assert "LT600 warning" in text
        # the head marks every line of the notice ¶ (the first one is LT600's finding line: !)
        for number in range(notice.line + 1, notice.end_line + 1):
            assert f"¶{number:>2} │" in text, number
        assert f"!{notice.line:>2} │" in text
        assert " 22 │ int amd_demo_init(void)" in text  # after the notice: not marked
        # the notice's lines are tinted, the tag line's and the plain lines are not
        strips = app.detail._wrap()
        marked = [s for s in strips if s.text.startswith(f"¶{notice.line + 3:>2} │")]
        assert marked and any(seg.style.bgcolor is not None for seg in marked[0])


@run_async
async def test_a_tag_that_contradicts_its_notice_says_which_lines_say_what():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.tree.select_path("drivers/staging/retagged.c")
        await settle(pilot)
        text = app.detail.text()
        notice = app.data.index.notices["drivers/staging/retagged.c"]
        assert text.startswith("drivers/staging/retagged.c\n✗ valid  GPL-2.0-only  (line 1)")
        assert "LT601 error" in text
        assert "Tag            line 1 says GPL-2.0-only" in text
        assert f"Notice         lines {notice.line}–{notice.end_line} say ¶ {notice.expression}" in text
        assert "they disagree (LT601)" in text
        assert "Suggested tag" not in text
        assert "Effective licence  GPL-2.0-only  from its SPDX tag" in text
        assert "▶ 1 │ // SPDX-License-Identifier: GPL-2.0-only" in text
        for number in range(notice.line, notice.end_line + 1):
            assert f"¶ {number} │" in text, number
        row, _segments = row_of(app, "drivers/staging/retagged.c")
        assert "✗ retagged.c" in row and "GPL-2.0-only" in row and "¶" not in row  # a tag: never marked


@run_async
async def test_notice_text_is_data_never_markup(tmp_path):
    from ..conftest import write_tree

    body = MIT_NOTICE.replace("Demo Devices, Inc.", "[bold red]Evil[/] Corp [link=x]")
    root = write_tree(tmp_path, {"drivers/[b]x[/b].c": body})
    app = LictreeApp(str(root))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.tree.select_path("drivers/[b]x[/b].c")
        await settle(pilot)
        text = app.detail.text()
        assert "drivers/[b]x[/b].c" in text and "[bold red]Evil[/] Corp [link=x]" in text
        assert "¶ MIT" in text


@run_async
async def test_a_directory_counts_where_its_licences_come_from():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.tree.select_path("drivers/staging")
        await settle(pilot)
        text = app.detail.text()
        stats = app.data.directory("drivers/staging")
        assert "Where each file's licence comes from" in text
        assert f"¶ notice, no tag {stats.sources['notice']:>8,}" in text
        assert "all from notices" in text or "from notices" in text
        row, _segments = row_of(app, "drivers/staging", True)
        assert "▒" in row  # the share of notices in the bar


@run_async
async def test_the_summary_counts_sources_and_notice_licences_apart_from_tags_and_filters_by_them():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, SummaryScreen)
        await workers_done(app)
        await pilot.pause(0.1)
        summary = screen.summary
        assert summary["sources"]["notice"] == 2
        options = screen.query_one("#summary-list")
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        text = "\n".join(lines)
        assert "Where each file's licence comes from (its effective licence)" in text
        assert "Licences granted by notices of untagged files (¶: not tags)" in text
        source_rows = [line for line in lines if line.startswith("¶ licence notice, no tag")]
        assert source_rows and f"{summary['sources']['notice']:>9,}" in source_rows[0]
        assert any(line.startswith("COPYING default") for line in lines)
        notice_rows = [line for line in lines if line.startswith("¶ MIT")]
        assert len(notice_rows) == 1 and "        1" in notice_rows[0]
        # Enter on the ¶ MIT row: the tree shows exactly that file
        index = next(i for i in range(options.option_count) if str(options.get_option_at_index(i).prompt)
                     .startswith("¶ MIT"))
        options.highlighted = index
        await pilot.press("enter")
        await pilot.pause(0.2)
        await workers_done(app)
        assert app.screen is app.main
        assert app.filter_bar.text == "expr:MIT source:notice"
        await pilot.pause(0.2)
        assert app.filter.result is not None
        assert [app.data.index.paths[i] for i in app.filter.result.positions] == [AMD]


@run_async
async def test_source_filters_complete_narrow_and_license_finds_notice_licences():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"sou")
        await pilot.press("tab")
        assert app.filter_bar.text == "source:"
        await pilot.press(*"n", "tab")
        assert app.filter_bar.text == "source:notice"
        await pilot.pause(0.3)
        index = app.data.index
        shown = {index.paths[i] for i in app.filter.result.positions}
        assert shown == {AMD, "drivers/staging/oldboard.c"}
        assert "2 of" in str(app.filter_bar.query_one("#filter-count").render())
        rows = "\n".join(screen_rows(app))
        assert "¶ MIT" in rows and "¶ GPL-2.0-or-later" in rows
        await pilot.press("escape")
        await pilot.press("slash", *"license:MIT", "enter")
        await pilot.pause(0.3)
        shown = {index.paths[i] for i in app.filter.result.positions}
        assert AMD in shown  # the notice's MIT
        assert any(index.status[i] == 0 for i in app.filter.result.positions)  # and tagged MIT files
        await pilot.press("escape")
        await pilot.press("slash", *"license:MIT source:tag", "enter")
        await pilot.pause(0.3)
        assert AMD not in {index.paths[i] for i in app.filter.result.positions}


@run_async
async def test_the_help_screen_explains_the_notice_mark_and_the_source_key():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        assert "¶  MIT  (in italics) no tag: the licence the file's notice" in text
        assert "source:notice" in text and "where the licence comes from: tag, notice" in text


@run_async
async def test_editing_a_notice_on_disk_updates_the_row_the_directory_and_the_detail(demo_copy: Path):
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert app.tree.select_path("lib/demo-lib/crc.c")
        await settle(pilot)
        target = demo_copy / "lib/demo-lib/crc.c"
        # an untagged file gains an MIT notice: ¶ MIT, without a restart
        target.write_text(MIT_NOTICE)
        await landed(pilot, lambda: "lib/demo-lib/crc.c" in app.data.index.notices, "the notice to be read")
        row, _segments = row_of(app, "lib/demo-lib/crc.c")
        assert "¶ MIT" in row
        assert app.detail.text().startswith("lib/demo-lib/crc.c\n○ untagged  ¶ MIT")
        assert app.data.directory("lib/demo-lib").sources["notice"] == 1
        # the notice becomes a tag: no mark any more
        target.write_text("// SPDX-License-Identifier: MIT\n" + MIT_NOTICE)
        await landed(pilot, lambda: app.data.index.verdict("lib/demo-lib/crc.c") == "valid", "the tag")
        row, segments = row_of(app, "lib/demo-lib/crc.c")
        assert "¶" not in row and "MIT" in row and not segment_with(segments, "MIT").style.italic
        assert app.data.directory("lib/demo-lib").sources["notice"] == 0
        text = app.detail.text()
        assert text.startswith("lib/demo-lib/crc.c\n✓ valid  MIT  (line 1)")
        assert "the notice does not contradict it" in text
        assert "Tag            line 1 says MIT" in text


@run_async
async def test_keyboard_walk_to_the_notice_file_from_the_top():
    app = LictreeApp(demo_tree())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_until(pilot, "j", "drivers")
        await pilot.press("l", "l")
        assert app.tree.cursor_row.key == "drivers/gpu"
        await pilot.press("l", "l")
        await press_until(pilot, "j", "drivers/gpu/amd")
        await pilot.press("l", "l")
        await press_until(pilot, "j", AMD)
        await settle(pilot)
        assert "Suggested tag  // SPDX-License-Identifier: MIT" in app.detail.text()


@run_async
async def test_the_status_line_says_when_the_notice_rule_index_is_built(demo_copy: Path, monkeypatch):
    """On a first run the rule index is built before any file is read (seconds): the status line says so."""
    import threading

    from textual.widgets import Static

    from tui.core.notices import index as notice_index

    release = threading.Event()

    def building(progress=None) -> bool:
        if progress is not None:
            progress("indexing licence rules", 300, 1000)
        release.wait(10)
        return True

    monkeypatch.setattr(notice_index, "ensure_built", building)
    app = LictreeApp(str(demo_copy), watch=False, use_cache=False)
    async with app.run_test(size=SIZE) as pilot:
        status = app.main.query_one("#summary", Static)
        for _ in range(200):
            await pilot.pause(0.02)
            if "rule index" in str(status.render()):
                break
        assert "building the licence-notice rule index" in str(status.render())
        assert "indexing licence rules 30%" in str(status.render())
        release.set()
        await settle(pilot)
        assert "52 files" in str(status.render())
