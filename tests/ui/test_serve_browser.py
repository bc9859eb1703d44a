"""`lictree serve` in a real browser: headless Chromium (Debian's ``chromium``, driven over the DevTools
protocol by tests/ui/browser.py) opens the printed URL, waits for the app to draw, types a filter, `n`
and `q`, and reads the result from the frames the page's websocket receives. Two tabs at once get an app
each; closing one leaves the other; when the last is gone no process of the server's is left.

Without a browser these tests are skipped; in CI (``CI`` set: .ci/run installs chromium) they fail instead.
``LICTREE_NO_BROWSER=1`` skips them (.ci/run's run on a second Python).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from tests.ui.browser import Chromium, Served, chromium_path, wait_until

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "screenshots" / "serve.png"
INVALID = ("badexception.c", "cc0.c", "chain.c", "typo.c")  # the demo's files with an invalid tag


@pytest.fixture
def chromium() -> str:
    if os.environ.get("LICTREE_NO_BROWSER"):
        pytest.skip("LICTREE_NO_BROWSER is set (.ci/run's second Python): the browser tests ran on the first")
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
        pytest.skip("no chromium on this machine (apt-get install --no-install-recommends chromium): "
                    "the browser tests of lictree serve are skipped")
    return path


def _indexed(text: str) -> bool:
    return "52 files" in text and "problems" in text and "reading" not in text


def test_the_served_ui_works_in_a_real_browser_one_app_a_tab(chromium: str, tmp_path: Path):
    served = Served(["--demo"], cwd=str(tmp_path), env={"HOME": str(tmp_path / "home")})
    try:
        asyncio.run(_browse(served, chromium, tmp_path))
    finally:
        output = served.stop()
    assert served.token not in output.replace(served.url, ""), "the token was written somewhere besides the URL"
    assert served.processes() == [], "a process of the server outlived it"


async def _browse(served: Served, chromium: str, tmp_path: Path) -> None:
    async with Chromium(chromium, str(tmp_path / "profile")) as browser:
        # Without the token: 403, in the browser too, and no app is started.
        stranger = await browser.new_page()
        await stranger.navigate(served.base + "/")
        await stranger.wait_loaded()
        body = await stranger.evaluate("document.body.innerText")
        assert body.startswith("403 Forbidden"), body
        assert served.apps() == []
        await stranger.close()

        first = await browser.new_page()
        started = time.monotonic()
        await first.navigate(served.url)
        await first.wait_for(_indexed, "the demo tree, indexed", timeout=30)
        drawn = time.monotonic() - started
        assert len(served.apps()) == 1

        # A filter: `/`, the query, Enter keeps it and goes back to the tree.
        await first.focus_terminal()
        await first.type("/")
        await first.wait_for(lambda t: "Tab completes" in t, "the filter bar")
        await first.type("status:invalid")
        await first.wait_for(lambda t: "4 of 52 files" in t, "the filter's count")
        await first.key("Enter")
        text = await first.wait_for(lambda t: "n N next / previous problem" in t, "the tree, filtered")
        assert all(name in text for name in INVALID), text
        assert "twotags.c" not in text and "Makefile" not in text  # valid files are filtered out
        # The cursor is on the first file shown; `n` takes it to the next problem, its detail on the right.
        text = await first.wait_for(lambda t: _detail(t).startswith("drivers/misc/badexception.c"),
                                    "the detail of the first file shown")
        await first.type("n")
        text = await first.wait_for(lambda t: _detail(t).startswith("drivers/misc/cc0.c"),
                                    "the detail of the next problem")
        assert "Invalid License ID: CC0-1.0" in _detail(text)
        await first.screenshot(str(SCREENSHOT))

        # A second tab: an app of its own, which the first tab's filter does not touch.
        second = await browser.new_page()
        await second.navigate(served.url)
        text = await second.wait_for(_indexed, "the second tab's app", timeout=30)
        assert "of 52 files" not in text
        await wait_until(lambda: len(served.apps()) == 2, "two apps, one a tab")
        both = set(served.apps())

        # Closing the first tab ends its app; the second goes on and answers keys.
        await first.close()
        await wait_until(lambda: len(served.apps()) == 1, "the first tab's app to end")
        assert set(served.apps()) < both
        await second.focus_terminal()
        await second.type("s")
        await second.wait_for(lambda t: "Summary of 52 files" in t, "the second tab's summary")
        await second.key("Escape")
        await second.wait_for(lambda t: "Summary of 52 files" not in t, "the tree again")

        # `q` in the last tab: its app quits, the page says the session ended, nothing is left running.
        await second.type("q")
        await wait_until(lambda: second.closed_sockets > 0, "the app's websocket to close")
        await wait_until(lambda: served.processes() == [], "every process of the sessions to end")
        assert await second.evaluate("document.body.classList.contains('-closed')")
        assert drawn < 15, f"the first frame took {drawn:.1f} s"


def _detail(screen: str) -> str:
    """The detail pane: the part of each line right of the tree's border (▕)."""
    return "\n".join(line.split("▕", 1)[1].strip() for line in screen.splitlines() if "▕" in line)


def test_an_export_in_the_browser_is_a_download_and_nothing_is_written_on_the_server(chromium: str, tmp_path: Path):
    home, downloads = tmp_path / "home", tmp_path / "downloads"
    home.mkdir()
    downloads.mkdir()
    served = Served(["--demo"], cwd=str(home), env={"HOME": str(home)})
    try:
        asyncio.run(_export(served, chromium, tmp_path, downloads))
    finally:
        served.stop()
    assert list(home.iterdir()) == [], "the export wrote on the server"
    report = json.loads((downloads / "linux-demo-licenses.json").read_text(encoding="utf-8"))
    assert report["summary"]["files"] == 4  # the files the filter showed


async def _export(served: Served, chromium: str, tmp_path: Path, downloads: Path) -> None:
    async with Chromium(chromium, str(tmp_path / "profile")) as browser:
        await browser.allow_downloads(str(downloads))
        page = await browser.new_page()
        await page.navigate(served.url)
        await page.wait_for(_indexed, "the demo tree, indexed", timeout=30)
        await page.focus_terminal()
        await page.type("/")
        await page.wait_for(lambda t: "Tab completes" in t, "the filter bar")
        await page.type("status:invalid")
        await page.wait_for(lambda t: "4 of 52 files" in t, "the filter's count")
        await page.key("Enter")
        await page.wait_for(lambda t: "n N next / previous problem" in t, "the tree, filtered")
        await page.type("x")
        text = await page.wait_for(lambda t: "downloaded by your browser" in t, "the export dialog")
        assert "linux-demo-licenses.json" in text and "/linux-demo-licenses.json" not in text
        await page.key("Enter")
        await page.wait_for(lambda t: "Sent the json report of 4 files to your browser" in t, "the app saying so")
        target = downloads / "linux-demo-licenses.json"
        await wait_until(target.exists, "the browser's download")
