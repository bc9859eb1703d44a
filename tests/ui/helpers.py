"""Helpers for driving LictreeApp with Pilot."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from textual.pilot import Pilot

from tui.ui.app import LictreeApp


async def settle(pilot: Pilot, timeout: float = 10.0) -> None:
    """Wait until the index is loaded and the detail pane shows the row under the cursor."""
    app = pilot.app
    assert isinstance(app, LictreeApp)
    waited = 0.0
    while waited < timeout:
        await pilot.pause(0.02)
        waited += 0.02
        row = app.tree.cursor_row
        detail = app.detail
        if (app.data.ready and row is not None and detail.shown_key == row.key
                and detail.shown_generation == app.data.generation):
            await pilot.pause()
            return
    raise AssertionError(f"the app did not settle in {timeout} s (cursor on {app.tree.cursor_row})")


async def press_until(pilot: Pilot, key: str, wanted: str, limit: int = 60) -> None:
    """Press *key* until the cursor is on the row *wanted*."""
    app = pilot.app
    assert isinstance(app, LictreeApp)
    for _ in range(limit):
        if app.tree.cursor_row.key == wanted:
            return
        await pilot.press(key)
    raise AssertionError(f"pressing {key!r} never reached {wanted!r} (at {app.tree.cursor_row.key!r})")


def screen_rows(app: LictreeApp) -> list[str]:
    """The text of the tree pane's visible rows."""
    tree = app.tree
    return [tree.render_line(y).text for y in range(tree.scrollable_content_region.height)]


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test function with asyncio (no pytest async plugin needed); fixtures still work."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


async def workers_done(app: LictreeApp) -> None:
    """Wait for the app's workers to finish, but for the watcher's (which runs until the app quits)."""
    workers = [worker for worker in app.workers if worker.group != "watch"]
    if workers:  # an empty list would mean every worker to wait_for_complete
        await app.workers.wait_for_complete(workers)


def svg_rows(svg: str) -> list[str]:
    """The text of an SVG screenshot, one string a screen row (Textual writes each run of a row as a <text>)."""
    import html
    import re

    rows: dict[float, list[tuple[float, str]]] = {}
    for match in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg):
        x, y, text = float(match.group(1)), float(match.group(2)), html.unescape(match.group(3))
        rows.setdefault(y, []).append((x, text))
    return ["".join(t for _x, t in sorted(parts)).replace("\xa0", " ") for _y, parts in sorted(rows.items())]
