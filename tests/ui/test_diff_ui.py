"""The comparison mode (``lictree --diff``) with Pilot, on the repository of tests/core/test_diff.py (the demo
tree and a commit that adds, removes, renames, retags, relicenses and adds a LICENSES/ file): what a user sees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.core.test_diff import ADDED, RELICENSED, REMOVED, RENAMED, SPELLING, checkout, git, repo  # noqa: F401
from tests.ui.helpers import run_async
from tui.cli import main
from tui.ui.diff_app import DiffApp, check_specs
from tui.ui.diff_model import FilterError, build_tree, parse_filter


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


async def loaded(pilot, timeout: float = 20.0) -> None:
    app = pilot.app
    waited = 0.0
    while app.diff is None and waited < timeout:
        await pilot.pause(0.05)
        waited += 0.05
    assert app.diff is not None, f"no diff after {timeout} s (error: {app.error})"
    await pilot.pause()


def rows(app: DiffApp) -> list[str]:
    """The text of every row of the tree (expanded or not: what walking it shows)."""
    out = []

    def walk(node, depth: int) -> None:
        for child in node.children:
            out.append("  " * depth + child.label.plain)
            if child.is_expanded:
                walk(child, depth + 1)

    walk(app.tree.root, 0)
    return out


def row_of(app: DiffApp, name: str) -> str:
    found = [r.strip() for r in rows(app) if r.strip().split("  ")[0].endswith(name)]
    assert found, f"no row {name} in {rows(app)}"
    return found[0]


def select(app: DiffApp, path: str) -> None:
    """Move the cursor to the row of *path* (a file's FileDiff, or a directory)."""
    tree = app.tree
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        data = node.data
        if getattr(data, "path", data) == path:
            tree.cursor_line = line
            return
    raise AssertionError(f"{path} not in the tree")


def detail_text(app: DiffApp) -> str:
    return str(app.query_one("#detail").render())


async def until(pilot, holds, timeout: float = 5.0) -> bool:
    """Whether *holds()* comes true within *timeout* (what the app does once it next refreshes: on a busy
    machine, that is after more than one pause)."""
    waited = 0.0
    while not holds() and waited < timeout:
        await pilot.pause(0.02)
        waited += 0.02
    return bool(holds())


@run_async
async def test_only_changes_each_row_old_to_new(repo: Path):  # noqa: F811
    app = DiffApp("old", "new", str(repo))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        shown = "\n".join(rows(app))
        for path in [*ADDED, *REMOVED, *RENAMED.values(), *SPELLING, *RELICENSED]:
            assert os.path.basename(path) in shown, path
        assert "foo.h" not in shown  # modified, same verdict: not listed
        assert "Makefile" not in shown
        assert row_of(app, "fork.c") == "~ fork.c  GPL-2.0-or-later -> MIT"
        assert row_of(app, "mit.c") == "+ mit.c  + MIT"
        assert row_of(app, "sched.c").endswith("GPL-2.0-only -> GPL-2.0 (spelling only)")
        assert "from lib/demo-lib/crc.c" in row_of(app, "crc.c")
        assert "−" in row_of(app, "printk.c")
        # the status line: what is compared (both revisions, their commits, the repository), and the counts
        status = str(app.query_one("#summary").render())
        commits = [git(repo, "rev-parse", "--short=7", f"{tag}^{{commit}}").strip() for tag in ("old", "new")]
        assert f"old ({commits[0]}) -> new ({commits[1]})  in {repo}" in status
        assert "2 removed" in status


@run_async
async def test_directories_aggregate_their_changes(repo: Path):  # noqa: F811
    app = DiffApp("old", "new", str(repo))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        assert "+1 MIT" in row_of(app, "new/") and "+1 BSD-3-Clause" in row_of(app, "new/")
        kernel = row_of(app, "kernel/")
        assert "+1 MIT" in kernel and "−1 GPL-2.0-or-later" in kernel
        # the same net change as the core says
        top = build_tree(app.diff, app.diff.files)
        for name, node in top.dirs.items():
            assert {app.diff.spelled(k): n for k, n in node.net.items() if n} == app.diff.dir_delta(name), name


@run_async
async def test_detail_shows_both_verdicts_and_heads(repo: Path):  # noqa: F811
    app = DiffApp("old", "new", str(repo))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        select(app, "kernel/fork.c")
        await pilot.pause()
        text = detail_text(app)
        assert "LICENCE CHANGED" in text
        assert "old: old" in text and "new: new" in text
        assert "GPL-2.0-or-later" in text and "MIT" in text
        marked = [line for line in text.splitlines() if line.startswith("▶")]
        assert len(marked) == 2  # the tag line on each side
        assert "GPL-2.0-or-later" in marked[0] and "MIT" in marked[1]
        select(app, "kernel/sched.c")  # the same licence, spelled otherwise
        await pilot.pause()
        assert "same licence (spelling only)" in detail_text(app)
        select(app, "lib/crc/crc.c")  # renamed, the same tag
        await pilot.pause()
        assert "renamed from lib/demo-lib/crc.c  same licence\n" in detail_text(app)
        select(app, "kernel")
        await pilot.pause()
        assert "net licence change: +1 MIT" in detail_text(app)
        changed = int(detail_text(app).split(" file")[0].split()[-1])
        assert f"{changed} {'file' if changed == 1 else 'files'} changed below" in detail_text(app)


@run_async
async def test_a_shows_everything_and_back(repo: Path):  # noqa: F811
    app = DiffApp("old", "new", str(repo))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        before = len(rows(app))
        await pilot.press("a")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.new_paths is not None:
                break
        await pilot.pause()
        everything = "\n".join(rows(app))
        assert "Makefile" in everything and len(rows(app)) > before
        assert "everything" in str(app.query_one("#summary").render())
        await pilot.press("a")
        await pilot.pause()
        assert "Makefile" not in "\n".join(rows(app))


@run_async
async def test_filter_change_and_same(repo: Path):  # noqa: F811
    app = DiffApp("old", "new", str(repo))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        await pilot.press(*"change:added", "enter")
        await pilot.pause()
        shown = "\n".join(rows(app))
        assert "mit.c" in shown and "bsd.h" in shown and "fork.c" not in shown and "printk.c" not in shown
        assert app.set_filter("same:false")
        await pilot.pause()
        shown = "\n".join(rows(app))
        assert "fork.c" in shown and "sched.c" not in shown and "mit.c" not in shown
        assert app.set_filter("same:true")
        await pilot.pause()
        assert "sched.c" in "\n".join(rows(app)) and "fork.c" not in "\n".join(rows(app))
        assert app.set_filter("-change:changed kernel")
        await pilot.pause()
        assert [r.strip().split("  ")[0] for r in rows(app) if not r.strip().split("  ")[0].endswith("/")] \
            == ["− printk.c"]
        # the detail pane follows the cursor to the first row shown, not a row the filter left out
        assert rows(app)[0].startswith("kernel/")
        assert await until(pilot, lambda: detail_text(app).startswith("kernel/\n1 file changed below"))
        await pilot.press("escape")
        await pilot.pause()
        assert "fork.c" in "\n".join(rows(app))


@run_async
async def test_summary_and_export_of_the_files_shown(repo: Path, tmp_path: Path):  # noqa: F811
    import json

    app = DiffApp("old", "new", str(repo))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.press("s")
        await pilot.pause()
        text = detail_text(app)
        assert "Summary" in text and "MIT +" in text and "LICENSES/: added LICENSES/preferred/CC0-1.0" in text
        assert app.set_filter("same:false")
        out = tmp_path / "diff.json"
        await pilot.press("x", *str(out), "enter")
        await pilot.pause(0.2)
        data = json.loads(out.read_text())
        assert [f["path"] for f in data["files"]] == ["kernel/fork.c"]
        assert app.export(str(tmp_path / "no-such-dir" / "d.md")) is not None


@run_async
async def test_two_directories_named_in_the_status_line(repo: Path, tmp_path: Path):  # noqa: F811
    a, b = checkout(repo, "old", tmp_path / "a"), checkout(repo, "new", tmp_path / "b")
    app = DiffApp(str(a), str(b))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        status = str(app.query_one("#summary").render())
        assert f"{a} -> {b}  3 added" in status
        assert row_of(app, "fork.c") == "~ fork.c  GPL-2.0-or-later -> MIT"


@run_async
async def test_summary_of_the_filtered_files(repo: Path):  # noqa: F811
    app = DiffApp("old", "new", str(repo))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        assert app.set_filter("change:added")
        await pilot.press("s")
        await pilot.pause()
        text = detail_text(app)
        assert "Summary of the 3 files the filter shows" in text
        assert "3 added, 0 removed, 0 renamed, 0 changed" in text
        assert "old (" in text and "-> new (" in text


@run_async
async def test_a_summary_asked_for_as_the_filter_changes_stays(repo: Path):  # noqa: F811
    # the tree's rebuild shows the cursor's row once laid out; a summary written before that is not overwritten
    app = DiffApp("old", "new", str(repo))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        assert app.set_filter("change:added")
        app.action_summary()
        await pilot.pause()
        await pilot.pause()
        assert "Summary of the 3 files the filter shows" in detail_text(app)
        await pilot.press("down")
        await pilot.pause()
        assert "Summary" not in detail_text(app)


@run_async
async def test_help_lists_the_comparison_keys_and_closes(repo: Path):  # noqa: F811
    from tui.ui.help_screen import HelpScreen

    app = DiffApp("old", "new", str(repo))
    async with app.run_test(size=(160, 60)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = str(app.screen.query_one("#help-text").render())
        for words in ("Everything / changes", "Summary", "Export", "change:KIND", "same:false", "spelling only",
                      "net licence change", "Theme"):
            assert words in shown, words
        await pilot.press("s")  # the tree's keys do nothing over the help
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        assert "Summary" not in detail_text(app)


@run_async
async def test_theme_colours_the_changes(repo: Path):  # noqa: F811
    app = DiffApp("old", "new", str(repo), theme="light")
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        assert app.theme == "light"
        light = app.change_style("added")
        assert light == app.current_theme.success
        app.set_theme("okabe-ito")
        await pilot.pause()
        assert app.change_style("added") == app.current_theme.success
        assert app.change_style("removed") == app.current_theme.error


def test_an_unknown_theme_is_one_line(repo: Path, capsys: pytest.CaptureFixture,  # noqa: F811
                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(repo)
    assert main(["--diff", "old", "new", "--theme", "no-such-theme"]) == 2
    err = capsys.readouterr().err
    assert "no theme named 'no-such-theme'" in err and err.count("\n") == 1


def test_filter_terms_are_checked():
    with pytest.raises(FilterError, match="change:moved"):
        parse_filter("change:moved")
    with pytest.raises(FilterError, match="same:maybe"):
        parse_filter("same:maybe")
    with pytest.raises(FilterError, match="colour"):
        parse_filter("colour:red")


@run_async
async def test_rev_against_the_working_tree(repo: Path, tmp_path: Path):  # noqa: F811
    work = checkout(repo, "new", tmp_path / "work")
    (work / "kernel/fork.c").write_text((work / "kernel/fork.c").read_text().replace("MIT", "BSD-2-Clause", 1))
    app = DiffApp("new", str(work), str(work))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        assert row_of(app, "fork.c") == "~ fork.c  MIT -> BSD-2-Clause (invalid)"
    # `lictree --diff REV` inside a repository: REV against its working tree
    assert check_specs("new", None, str(work)) == ("new", str(work))
    assert check_specs("new", None, str(work / "kernel"))[1] == str(work)


@pytest.mark.parametrize("argv", [["--diff", "no-such-rev", "new"], ["--diff", "a", "b", "c"],
                                  ["--diff", "old", "new", "--repo", "/no/such/dir"]])
def test_bad_arguments_one_line_exit_2(repo: Path, argv: list[str], capsys: pytest.CaptureFixture,  # noqa: F811
                                       monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(repo)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("lictree: ") and err.count("\n") == 1 and "Traceback" not in err


def test_diff_rev_outside_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert main(["--diff", "HEAD"]) == 2
    assert "not in a git repository" in capsys.readouterr().err


def test_screenshot_of_diff_mode(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    monkeypatch.chdir(repo)
    shot = tmp_path / "diff.svg"
    assert main(["--diff", "old", "new", "--screenshot", str(shot)]) == 0
    svg = shot.read_text()
    assert "fork.c" in svg and "MIT" in svg
