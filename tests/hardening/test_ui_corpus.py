"""The bad-input corpus in the terminal UI: every tree opens, every file is a row, names are shown literally.

Each tree of tests/hardening/test_corpus.py is built, opened with Pilot, indexed and expanded. Names
and tags with control characters, ANSI escapes or Rich markup must reach the screen in printable form;
the detail pane of a special file (a FIFO) must appear without the file being opened (opening a FIFO
with no writer blocks, so the pane would never show).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.hardening.test_corpus import CASES, Expect
from tests.ui.helpers import run_async, settle
from tui.core.report import printable
from tui.ui.app import LictreeApp
from tui.ui.rows import FILE

SIZE = (200, 80)


def _files_on_disk(root: Path) -> set[str]:
    """Every non-directory entry reachable without following symlinks or paths longer than PATH_MAX."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(os.fsencode(root)):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:  # longer than PATH_MAX: the index lists it as skipped, with its reason
                continue
            if not stat.S_ISDIR(mode) and not (os.path.islink(path) and os.path.isdir(path)):
                found.add(os.fsdecode(os.path.relpath(path, os.fsencode(root))))
    return found


def _snapshot(root: Path) -> dict[bytes, tuple]:
    """Like tests.conftest.snapshot_tree, through directory descriptors: paths longer than PATH_MAX too."""
    seen = {}
    for dirpath, dirnames, filenames, dirfd in os.fwalk(os.fsencode(root)):
        for name in dirnames + filenames:
            st = os.lstat(name, dir_fd=dirfd)
            digest = b""
            if stat.S_ISREG(st.st_mode):
                fd = os.open(name, os.O_RDONLY, dir_fd=dirfd)
                with open(fd, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).digest()
            seen[os.path.join(dirpath, name)] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, digest)
    return seen


def _screen(app: LictreeApp) -> list[str]:
    tree = app.tree
    height = tree.scrollable_content_region.height
    assert len(tree.model.rows) <= height, "the corpus tree does not fit on the test screen"
    return [tree.render_line(y).text for y in range(len(tree.model.rows))]


def _special(root: Path, key: str) -> bool:
    mode = os.lstat(os.path.join(os.fsencode(root), os.fsencode(key))).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


@pytest.mark.parametrize(("build", "licenses", "case"), [pytest.param(b, lic, i, id=i) for i, b, lic in CASES])
@run_async
async def test_every_corpus_tree_opens_in_the_ui(tmp_path: Path, build: Callable[[Path], Expect], licenses: bool,
                                                case: str):
    root = write_tree(tmp_path / "tree", {}, licenses=licenses) if licenses else tmp_path / "tree"
    root.mkdir(exist_ok=True)
    expect = build(root)
    before = _snapshot(root)
    app = LictreeApp(str(root))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.data.ready and app.data.index is not None
        await pilot.press("e")
        await pilot.pause()
        rows = {row.key: row for row in app.tree.model.rows if row.kind == FILE}
        assert set(rows) == _files_on_disk(root)
        assert {printable(key) for key in rows} >= {p for p, (status, _) in expect.items() if status != "skipped"}

        screen = _screen(app)
        text = "\n".join(screen)
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in text.replace("\n", "")), screen
        for row in rows.values():
            shown = printable(row.name)
            assert any(shown in line or (shown[:40] in line and "…" in line) for line in screen), (shown, screen)

        specials = [key for key in rows if _special(root, key)]
        checked = specials + [key for key in rows if case == "hostile-names" or case == "hostile-tags"]
        details = {}
        for key in checked:
            assert app.tree.select_path(key)
            await settle(pilot)
            detail = details[key] = app.detail.text()
            assert printable(key.rpartition("/")[2]) in detail, (key, detail)
            if key in specials:
                assert "not opened" in detail, (key, detail)
        await pilot.press("q")
    assert app.return_code == 0 and app.crash_error is None
    assert _snapshot(root) == before

    if case == "hostile-names":
        # "[red]x[/red].c" is the file "red].c" in the directory "[red]x[": both rows, and the path in the pane.
        for literal in ("ansi-\\x1b[31mred\\x1b[0m-\\x1b]0;title\\x07.c", "[red]x[/", "red].c", "new\\x0aline.c",
                        "tab\\x09and\\x01ctrl.c", "[link=https:evil.example]click[/", "link].c", "c1-\\x9b31m.c",
                        "latin1-\\xe9.c", "café-日本語.c", "rlo-\\u202egnp.c", "[bold]MIT[/bold]"):
            assert any(literal in line for line in screen), literal
        assert "[red]x[/red].c" in details["[red]x[/red].c"] and "[bold]MIT[/bold]" in details["[red]x[/red].c"]
        ansi = next(key for key in details if key.startswith("ansi-"))
        assert "ansi-\\x1b[31mred\\x1b[0m-\\x1b]0;title\\x07.c" in details[ansi]
    if case == "hostile-tags":
        assert any("GPL-2.0 OR [red]MIT[/red]" in line for line in screen)
        assert any("\\x1b[2J\\x1b[31m" in line for line in screen)
    if case == "special-files":
        assert "fifo" in specials and "sock" in specials
