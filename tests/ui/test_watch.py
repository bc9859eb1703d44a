"""The UI follows files changed on disk: real edits in a copy of the demo tree, the watcher's batches
awaited (polled, with a timeout), and after each change the app's index equals a fresh index."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from rich.style import Style

from tui.core.build import build_index
from tui.ui import indexing, watcher
from tui.ui.app import LictreeApp
from tui.ui.probe import Probe
from tui.ui.rows import DIR

from .helpers import run_async, screen_rows, settle

SIZE = (140, 44)


async def wait_for(pilot, condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    """Poll until *condition* holds (the watcher reacts in about 0.1 s; the timeout is for a busy machine)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def start(pilot) -> LictreeApp:
    """The app with its index ready, watching, and its detail pane showing the cursor's row."""
    app = pilot.app
    await settle(pilot)
    await wait_for(pilot, lambda: app.watching, "the watcher to start")
    await settle(pilot)
    return app


async def landed(pilot, condition: Callable[[], bool], what: str) -> None:
    """Wait until a change is in the index, then until the detail pane shows the new state."""
    await wait_for(pilot, condition, what)
    await settle(pilot)


def assert_same_as_fresh(app: LictreeApp) -> None:
    """The app's index (and every directory's counts) equals a fresh index of the tree."""
    index = app.data.index
    fresh = build_index(index.root, use_cache=False)
    assert index.paths == fresh.paths
    assert index.status == fresh.status
    assert index.exprs == fresh.exprs
    assert list(index.lines) == list(fresh.lines)
    assert index.findings == fresh.findings
    mine, theirs = index.dirs(), fresh.dirs()
    assert set(mine) == set(theirs)
    for path, stats in theirs.items():
        got = mine[path]
        assert (got.files, +got.statuses, +got.licenses, got.problems, got.findings) == (
            stats.files, +stats.statuses, +stats.licenses, stats.problems, stats.findings), path
    assert app.tree.model.paths == fresh.paths


def row_text(app: LictreeApp, key: str) -> str:
    index = app.tree.model.row_index(key, False)
    assert index is not None, f"{key} has no row"
    top = app.tree.scroll_offset.y
    assert top <= index < top + app.tree.scrollable_content_region.height, f"{key} is not on screen"
    return screen_rows(app)[index - top]


def glyph_colour(app: LictreeApp, key: str) -> str:
    """The colour the glyph of *key*'s row is drawn in, as the screen shows it."""
    tree = app.tree
    strip = tree.render_line(tree.model.row_index(key, False) - tree.scroll_offset.y)
    for segment in strip:
        if segment.text.strip() in ("✓", "✗", "!", "○", "?", "–"):
            return segment.style.color.name
    raise AssertionError(f"no glyph on the row of {key}")


def status_colour(app: LictreeApp, status: str) -> str:
    return Style.parse(app.palette.status[status]).color.name


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@run_async
async def test_editing_a_tag_changes_the_row_and_the_detail_pane_in_place(demo_copy: Path):
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert app.tree.select_path("kernel/fork.c")
        await settle(pilot)
        expanded = set(app.tree.model.expanded)
        assert "✓ fork.c" in row_text(app, "kernel/fork.c")
        assert glyph_colour(app, "kernel/fork.c") == status_colour(app, "valid")
        assert "✓ valid  GPL-2.0-or-later" in app.detail.text()
        problems_before = app.data.index.dir_stats("kernel").problems

        body = (demo_copy / "kernel/fork.c").read_text().replace("GPL-2.0-or-later", "GPL-2.0-onyl", 1)
        (demo_copy / "kernel/fork.c").write_text(body)
        await landed(pilot, lambda: app.data.index.verdict("kernel/fork.c") == "invalid", "fork.c to turn invalid")

        row = row_text(app, "kernel/fork.c")
        assert "✗ fork.c" in row and "GPL-2.0-onyl" in row
        assert glyph_colour(app, "kernel/fork.c") == status_colour(app, "invalid")
        text = app.detail.text()
        assert text.startswith("kernel/fork.c\n✗ invalid  GPL-2.0-onyl")
        assert "Invalid License ID: GPL-2.0-onyl" in text and "▶1 │ // SPDX-License-Identifier: GPL-2.0-onyl" in text
        assert app.data.index.dir_stats("kernel").problems == problems_before + 1
        kernel_row = screen_rows(app)[app.tree.model.row_index("kernel", True) - app.tree.scroll_offset.y]
        assert kernel_row.rstrip().endswith(f"✗ {problems_before + 1}")
        assert app.tree.cursor_row.key == "kernel/fork.c" and app.tree.model.expanded == expanded
        assert_same_as_fresh(app)


@run_async
async def test_added_deleted_and_renamed_files_take_their_sorted_place_and_the_cursor_moves_on(demo_copy: Path):
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert app.tree.select_path("drivers/net/foo.c")
        await settle(pilot)
        expanded = set(app.tree.model.expanded)

        write(demo_copy / "drivers/net/baz.c", "// SPDX-License-Identifier: GPL-2.0\nint baz;\n")
        await landed(pilot, lambda: app.data.index.verdict("drivers/net/baz.c") == "valid", "baz.c to appear")
        net = [row.key for row in app.tree.model.rows if row.key.startswith("drivers/net/")]
        assert net == ["drivers/net/bar.c", "drivers/net/baz.c", "drivers/net/foo.c", "drivers/net/foo.h",
                       "drivers/net/wrongstyle.c"]
        assert app.tree.cursor_row.key == "drivers/net/foo.c" and app.tree.model.expanded == expanded
        assert_same_as_fresh(app)

        (demo_copy / "drivers/net/foo.c").unlink()
        await landed(pilot, lambda: app.data.index.verdict("drivers/net/foo.c") is None, "foo.c to go")
        assert app.tree.model.row_index("drivers/net/foo.c", False) is None
        assert app.tree.cursor_row.key == "drivers/net/foo.h"  # the next entry
        assert app.detail.text().startswith("drivers/net/foo.h\n")
        assert_same_as_fresh(app)

        (demo_copy / "drivers/net/foo.h").rename(demo_copy / "drivers/net/aaa.h")
        await landed(pilot, lambda: app.data.index.verdict("drivers/net/aaa.h") == "valid", "the rename")
        net = [row.key for row in app.tree.model.rows if row.key.startswith("drivers/net/")]
        assert net == ["drivers/net/aaa.h", "drivers/net/bar.c", "drivers/net/baz.c", "drivers/net/wrongstyle.c"]
        assert app.tree.cursor_row.key == "drivers/net/wrongstyle.c"
        assert_same_as_fresh(app)

        (demo_copy / "drivers/net/wrongstyle.c").unlink()
        await landed(pilot, lambda: app.data.index.verdict("drivers/net/wrongstyle.c") is None, "wrongstyle.c to go")
        assert app.tree.cursor_row.key == "drivers/net/baz.c"  # it was the last entry: the one before it
        assert_same_as_fresh(app)

        for name in ("aaa.h", "bar.c", "baz.c"):
            (demo_copy / "drivers/net" / name).unlink()
        await landed(pilot, lambda: not app.tree.model.is_dir("drivers/net"), "drivers/net to go")
        assert app.tree.cursor_row.key == "drivers"  # its directory vanished: the directory above
        assert "drivers/net" not in app.tree.model.expanded and "drivers" in app.tree.model.expanded
        assert_same_as_fresh(app)


@run_async
async def test_the_detail_pane_is_rebuilt_only_when_what_it_shows_changed(demo_copy: Path):
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert app.tree.select_path("drivers/net/foo.c")
        await settle(pilot)
        built = []
        build = app._build_detail
        app._build_detail = lambda row, *args: (built.append(row.key), build(row, *args))
        (demo_copy / "kernel/fork.c").write_text("int x;\n")
        await landed(pilot, lambda: app.data.index.verdict("kernel/fork.c") == "untagged", "the edit elsewhere")
        assert built == []
        assert "drivers/net/COPYING" not in app.detail.text()
        write(demo_copy / "drivers/net/COPYING", "SPDX-License-Identifier: MIT\n")
        await landed(pilot, lambda: app.data.index.get("drivers/net/COPYING") is not None, "a nearer COPYING")
        assert built == ["drivers/net/foo.c"] and "drivers/net/COPYING" in app.detail.text()


@run_async
async def test_a_save_by_rename_is_one_change_and_its_temporary_file_never_shows(demo_copy: Path):
    app = LictreeApp(str(demo_copy))
    app.probe = Probe()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert app.tree.select_path("lib/demo-lib/crc.c")
        await settle(pilot)
        logged = len(app.probe.watch_log)
        target = demo_copy / "lib/demo-lib/crc.c"
        temporary = demo_copy / "lib/demo-lib/.crc.c.tmp1234"
        temporary.write_text("// SPDX-License-Identifier: MIT\n" + target.read_text())
        os.replace(temporary, target)
        await landed(pilot, lambda: app.data.index.verdict("lib/demo-lib/crc.c") == "valid", "the save")
        assert [entry.changed for entry in list(app.probe.watch_log)[logged:]] == [["lib/demo-lib/crc.c"]]
        assert not any(".tmp" in row.key for row in app.tree.model.rows)
        assert app.tree.cursor_row.key == "lib/demo-lib/crc.c"
        assert app.detail.text().startswith("lib/demo-lib/crc.c\n✓ valid  MIT")
        assert_same_as_fresh(app)


@run_async
async def test_a_directory_moved_elsewhere_keeps_what_is_expanded_around_it(demo_copy: Path):
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert app.tree.select_path("lib/demo-lib/crc.c")
        assert app.tree.select_path("drivers/misc/typo.c")
        await settle(pilot)
        shutil.move(demo_copy / "drivers/misc", demo_copy / "lib/misc-moved")
        await landed(pilot, lambda: app.data.index.verdict("lib/misc-moved/typo.c") == "invalid", "the move")
        model = app.tree.model
        assert not [row for row in model.rows if row.key.startswith("drivers/misc")]
        moved, beside = model.row_index("lib/misc-moved", True), model.row_index("lib/demo-lib", True)
        assert moved is not None and beside < moved and model.rows[moved].depth == model.rows[beside].depth
        assert {"", "drivers", "lib", "lib/demo-lib"} <= model.expanded and "lib/misc-moved" not in model.expanded
        assert app.tree.cursor_row.key == "drivers"  # its directory vanished: the directory above
        assert_same_as_fresh(app)


@run_async
async def test_deleting_licenses_mit_turns_mit_files_invalid_and_changes_their_detail(demo_copy: Path):
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert app.tree.select_path("drivers/net/foo.c")
        await settle(pilot)
        assert "✓ foo.c" in row_text(app, "drivers/net/foo.c")
        assert "MIT  preferred  LICENSES/preferred/MIT" in app.detail.text()

        (demo_copy / "LICENSES/preferred/MIT").unlink()
        await landed(pilot, lambda: app.data.index.verdict("drivers/net/foo.c") == "invalid", "MIT to go")
        assert "✗ foo.c" in row_text(app, "drivers/net/foo.c")
        assert glyph_colour(app, "drivers/net/foo.c") == status_colour(app, "invalid")
        text = app.detail.text()
        assert text.startswith("drivers/net/foo.c\n✗ invalid  GPL-2.0 OR MIT")
        assert "LICENSES/preferred/MIT" not in text and "Invalid License ID: MIT" in text
        assert app.data.index.verdict("drivers/net/foo.h") == "invalid"
        assert "✗" in screen_rows(app)[0]
        assert_same_as_fresh(app)


@run_async
async def test_a_storm_of_a_thousand_files_is_batched_and_ends_equal_to_a_fresh_index(demo_copy: Path):
    app = LictreeApp(str(demo_copy))
    app.probe = Probe()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert app.tree.select_path("kernel/printk.c")
        await settle(pilot)
        expanded, top = set(app.tree.model.expanded), app.tree.scroll_offset.y
        logged = len(app.probe.watch_log)
        for n in range(1000):
            tag = ("GPL-2.0", "MIT", "GPL-2.0-onyl", None)[n % 4]
            write(demo_copy / f"drivers/storm/d{n // 100}/f{n:04}.c",
                  (f"// SPDX-License-Identifier: {tag}\n" if tag else "") + f"int f{n};\n")
        (demo_copy / "kernel/fork.c").write_text("// SPDX-License-Identifier: MIT\n")
        await landed(pilot, lambda: app.data.index.dir_stats("drivers/storm") is not None
                     and app.data.index.dir_stats("drivers/storm").files == 1000
                     and app.data.index.verdict("kernel/fork.c") == "valid", "the storm")
        await pilot.pause(0.3)  # anything still in flight lands
        batches = len(app.probe.watch_log) - logged
        assert 1 <= batches <= 10, batches
        assert app.data.index.dir_stats("drivers/storm").statuses["invalid"] == 250
        assert app.tree.cursor_row.key == "kernel/printk.c"
        assert app.tree.model.expanded == expanded and app.tree.scroll_offset.y == top
        drivers = screen_rows(app)[app.tree.model.row_index("drivers", True) - top]
        assert drivers.rstrip().endswith(f"✗ {app.data.index.dir_stats('drivers').problems}")
        assert_same_as_fresh(app)


@run_async
async def test_files_added_above_the_cursor_keep_the_top_row_and_the_cursor_on_their_rows(demo_copy: Path):
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=(140, 24)) as pilot:
        await start(pilot)
        await pilot.press("e")
        assert app.tree.select_path("lib/demo-lib/crc.c")
        await settle(pilot)
        top = app.tree.scroll_offset.y
        top_key, line = app.tree.model.rows[top].key, app.tree.cursor - top
        assert top > 0 and "drivers/gpu" < top_key < "kernel"
        write(demo_copy / "drivers/gpu/aaa.c", "// SPDX-License-Identifier: GPL-2.0\n")  # above the pane
        await landed(pilot, lambda: app.data.index.verdict("drivers/gpu/aaa.c") == "valid", "aaa.c")
        assert app.tree.model.rows[app.tree.scroll_offset.y].key == top_key
        assert app.tree.cursor_row.key == "lib/demo-lib/crc.c" and app.tree.cursor - app.tree.scroll_offset.y == line

        shown = [row.key for row in app.tree.model.rows[app.tree.scroll_offset.y : app.tree.cursor]]
        assert "kernel/fork.c" in shown
        write(demo_copy / "kernel/new/b.c", "// SPDX-License-Identifier: GPL-2.0\n")  # in the pane, above
        await landed(pilot, lambda: app.data.index.verdict("kernel/new/b.c") == "valid", "b.c")
        assert app.tree.model.rows[app.tree.scroll_offset.y].key == top_key  # the pane did not scroll
        assert app.tree.cursor_row.key == "lib/demo-lib/crc.c" and app.tree.cursor - app.tree.scroll_offset.y == line + 1
        assert app.tree.model.row_index("kernel/new", True) is not None  # shown, not expanded
        assert "kernel/new" not in app.tree.model.expanded
        assert_same_as_fresh(app)


@run_async
async def test_a_filter_re_applies_itself_after_a_change(demo_copy: Path):
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)

        def invalid_files() -> set[str]:
            index = app.data.index
            return {p for p, code in zip(index.paths, index.status) if code == 2}

        app.tree.set_filter(invalid_files())
        app.tree.refilter = invalid_files
        await pilot.press("e")
        shown = {row.key for row in app.tree.model.rows if row.kind != DIR}
        assert shown and all(app.data.index.verdict(key) == "invalid" for key in shown)
        write(demo_copy / "kernel/bad.c", "// SPDX-License-Identifier: GPL-3.0-only\n")
        write(demo_copy / "kernel/good.c", "// SPDX-License-Identifier: GPL-2.0\n")
        await landed(pilot, lambda: app.data.index.verdict("kernel/good.c") == "valid", "the new files")
        assert app.tree.model.row_index("kernel", True) is not None  # a directory with a match now
        assert app.tree.select_path("kernel/bad.c")
        assert not app.tree.select_path("kernel/good.c")  # hidden by the filter
        assert_same_as_fresh(app)


@run_async
async def test_changes_made_while_indexing_are_caught_up_once_watching_starts(demo_copy: Path, monkeypatch):
    real = indexing.build_index

    def index_then_edit(*args, **kwargs):
        index = real(*args, **kwargs)
        (demo_copy / "kernel/fork.c").write_text("// SPDX-License-Identifier: MIT\n")  # after fork.c was read
        (demo_copy / "kernel/late.c").write_text("int late;\n")
        return index

    monkeypatch.setattr(indexing, "build_index", index_then_edit)
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert app.data.index.verdict("kernel/fork.c") == "valid"
        assert app.data.index.exprs[app.data.index.position("kernel/fork.c")] == "MIT"
        assert app.data.index.verdict("kernel/late.c") == "untagged"
        assert_same_as_fresh(app)


@run_async
async def test_a_slow_update_says_so_in_the_status_line_until_it_is_done(demo_copy: Path, monkeypatch):
    real = watcher.apply_batch

    def slow(*args, **kwargs):
        time.sleep(1.0)
        return real(*args, **kwargs)

    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        summary = app.main.query_one("#summary")
        assert "reading changes" not in str(summary.content)
        monkeypatch.setattr(watcher, "apply_batch", slow)
        (demo_copy / "kernel/fork.c").write_text("int x;\n")
        await wait_for(pilot, lambda: "· reading changes…" in str(summary.content), "the busy note")
        await landed(pilot, lambda: app.data.index.verdict("kernel/fork.c") == "untagged", "the edit")
        await wait_for(pilot, lambda: "reading changes" not in str(summary.content), "the note to go")
        assert str(summary.content).startswith(f"kernel tree  · {len(app.data.index)} files")


@run_async
async def test_a_watcher_that_cannot_start_is_a_notification_and_the_tree_stays_usable(demo_copy: Path, monkeypatch):
    monkeypatch.setattr(watcher, "WATCH_COMMAND", (str(demo_copy / "no-such-python"),))
    app = LictreeApp(str(demo_copy))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: len(app.screen.query("Toast")) > 0, "the notification")
        toast = str(app.screen.query_one("Toast").render())
        assert "Not following changes" in toast and "cannot start the file watcher" in toast
        assert not app.watching
        await pilot.press("j")
        assert app.tree.cursor_row.key == "Documentation"


@run_async
async def test_no_watch_leaves_the_tree_as_it_was_read(demo_copy: Path):
    watched = LictreeApp(str(demo_copy))
    async with watched.run_test(size=SIZE) as pilot:
        await start(pilot)
        edited = time.monotonic()
        (demo_copy / "kernel/fork.c").write_text("int x;\n")
        await landed(pilot, lambda: watched.data.index.verdict("kernel/fork.c") == "untagged", "the edit")
        took = time.monotonic() - edited
    still = LictreeApp(str(demo_copy), watch=False)
    async with still.run_test(size=SIZE) as pilot:
        await settle(pilot)
        (demo_copy / "kernel/fork.c").write_text("// SPDX-License-Identifier: MIT\n")
        await pilot.pause(max(0.3, 3 * took))  # three times what the watching app needed
        assert still.data.index.verdict("kernel/fork.c") == "untagged"
        assert not still.watching and not [w for w in still.workers if w.group == "watch"]


def test_the_no_watch_option_reaches_the_app(demo_copy: Path, monkeypatch):
    from tui.cli import main

    seen = {}

    def run(self, *args, **kwargs):
        seen["watch"] = self.watch_files

    monkeypatch.setattr(LictreeApp, "run", run)
    assert main([str(demo_copy), "--no-watch"]) == 0 and seen["watch"] is False
    assert main([str(demo_copy)]) == 0 and seen["watch"] is True
