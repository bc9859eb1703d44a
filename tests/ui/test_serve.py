"""`lictree serve` without a browser: the token guard (403 and nothing started), the token kept out of every
log, bad options, the shutdown, what the terminal UI's start-up imports, and exports in a browser session
(the app told it runs in a browser; tests/ui/test_serve_browser.py has the real browser)."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from textual.widgets import Input

from tests.ui.browser import Screen, Served, wait_until
from tests.ui.helpers import run_async, settle, workers_done
from tui.cli import demo_tree
from tui.ui.app import LictreeApp
from tui.ui.export_screen import ExportScreen, download_name
from tui.ui.serve import is_loopback, token_matches

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


@pytest.fixture
def served(tmp_path: Path):
    server = Served(["--demo", "--no-watch"], cwd=str(tmp_path), env={"HOME": str(tmp_path)})
    yield server
    server.stop()


def test_requests_without_the_token_get_403_and_start_nothing(served: Served):
    base, token = served.base, served.token
    refused = [
        (f"{base}/", {}),
        (f"{base}/?token=wrong-token", {}),
        (f"{base}/?token={token[:-1]}", {}),
        (f"{base}/static/js/textual.js", {}),
        (f"{base}/static/", {}),
        (f"{base}/download/0123456789abcdef", {}),
        (f"{base}/ws", UPGRADE),
        (f"{base}/ws?token=nope", UPGRADE),
        (f"{base}/static/js/textual.js", {"Cookie": f"lictree-token-{base.rsplit(':', 1)[1]}=nope"}),
        # the right token, from a page of another site
        (f"{base}/ws?token={token}", {**UPGRADE, "Origin": "http://evil.example"}),
    ]
    for url, headers in refused:
        status, _headers, body = _get(url, headers)
        assert status == 403, (url, status)
        assert body.startswith("403 Forbidden: this lictree server needs the token"), body
    assert served.apps() == [] and served.processes() == []
    assert not any("a browser connected" in line for line in served.lines)

    # With the token: the page, and a cookie for what the page loads; the cookie alone opens the rest.
    status, headers, body = _get(served.url)
    assert status == 200 and "textual-terminal" in body
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and token in cookie
    assert headers["Referrer-Policy"] == "no-referrer"
    assert _get(f"{base}/static/js/textual.js", {"Cookie": cookie.split(";")[0]})[0] == 200
    assert _get(f"{base}/static/js/textual.js?token={token}")[0] == 200


def test_the_token_is_compared_whole():
    assert token_matches("abcdefgh", "abcdefgh")
    assert not token_matches("abcdefg", "abcdefgh") and not token_matches(None, "abcdefgh")
    assert not token_matches("abcdefgé", "abcdefgh")  # non-ASCII: no TypeError, just no


def test_a_session_runs_an_app_and_the_token_is_in_no_log(served: Served):
    async def session() -> None:
        async with aiohttp.ClientSession() as http, http.ws_connect(
                f"{served.base}/ws?token={served.token}&width=100&height=30") as ws:
            seen = b""
            deadline = time.monotonic() + 20
            while b"linux-demo" not in seen and time.monotonic() < deadline:
                message = await ws.receive(timeout=20)
                if message.type == aiohttp.WSMsgType.BINARY:
                    seen += message.data
            assert b"linux-demo" in seen
            assert len(served.apps()) == 1
        await wait_until(lambda: served.processes() == [], "the session's processes to end")

    _get(f"{served.base}/nothing-here?token={served.token}")  # a 404, with the token in the request line
    asyncio.run(session())
    output = served.stop()
    assert "a browser connected (1 session running)" in output and "0 sessions running" in output
    assert output.count(served.token) == 1, output  # in the URL printed, and nowhere else
    assert "GET /" not in output  # no access log


CRASH_HOOK = """
import os
if os.environ.get("TEXTUAL_DRIVER"):  # the sessions' apps only, not the server
    import tui.ui.app

    def summary(app):
        raise RuntimeError("a bug in the summary")

    tui.ui.app.LictreeApp.action_summary = summary
"""


def test_a_crash_in_a_session_saves_a_report_and_says_so_on_the_server(tmp_path: Path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CRASH_HOOK, encoding="utf-8")
    state = tmp_path / "state"
    served = Served(["--demo", "--no-watch"], cwd=str(tmp_path),
                    env={"PYTHONPATH": str(hook), "XDG_STATE_HOME": str(state)})

    async def session() -> None:
        async with aiohttp.ClientSession() as http, http.ws_connect(f"{served.base}/ws?token={served.token}") as ws:
            seen = b""
            while b"Quit" not in seen:
                message = await ws.receive(timeout=20)
                seen += message.data if message.type == aiohttp.WSMsgType.BINARY else b""
            await ws.send_str(json.dumps(["stdin", "s"]))
            while (await ws.receive(timeout=20)).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                pass

    try:
        asyncio.run(session())
        asyncio.run(wait_until(lambda: served.processes() == [], "the crashed session's processes to end"))
    finally:
        output = served.stop()
    [report] = (state / "lictree").iterdir()
    text = report.read_text(encoding="utf-8")
    assert "while: running the UI in a browser" in text and "RuntimeError: a bug in the summary" in text
    said = "".join(output.split())  # wrapped at the browser's width, a long path too
    sentence = f"lictree: internal error (RuntimeError: a bug in the summary); a report was saved to {report}."
    assert "".join(sentence.split()) in said, output
    assert "Traceback" not in output


def test_sigterm_stops_the_server_and_every_session(served: Served):
    async def session() -> None:
        async with aiohttp.ClientSession() as http, http.ws_connect(f"{served.base}/ws?token={served.token}") as ws:
            await wait_until(lambda: len(served.apps()) == 1, "the session's app")
            await wait_until(lambda: len(served.processes()) > 1, "the app's reader server")
            served.process.terminate()
            message = await ws.receive(timeout=20)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)

    asyncio.run(session())
    assert served.process.wait(20) == 0
    assert served.processes() == []


def test_token_option_and_a_bad_token(tmp_path: Path):
    server = Served(["--demo", "--token", "team-review-2024"], cwd=str(tmp_path))
    try:
        assert server.url.endswith("/?token=team-review-2024")
        assert _get(server.url)[0] == 200
    finally:
        server.stop()
    for bad in ("short", "has space in it", "naïve-token-value"):
        result = _serve_once(["--demo", "--token", bad], tmp_path)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and "--token" in result.stderr, result


def _serve_once(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", "serve", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def test_bad_addresses_and_trees_are_one_line_and_exit_2(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cases = {
            "in use": (["--demo", "--port", str(port)], "cannot listen on 127.0.0.1:"),
            "no host": (["--demo", "--host", "no-such-host.invalid", "--port", "0"], "no such host"),
            "port": (["--demo", "--port", "70000"], "not a port number"),
            "tree": ([str(tmp_path / "missing")], "missing"),
            "theme": (["--demo", "--theme", "no-such-theme"], "no theme named"),
            "diff": (["--diff", str(tmp_path / "a"), str(tmp_path / "b"), "--demo"], "--diff"),
        }
        for name, (args, said) in cases.items():
            result = _serve_once(args, tmp_path)
            assert result.returncode == 2, (name, result)
            assert said in result.stderr and result.stderr.count("\n") == 1, (name, result.stderr)
            assert "Traceback" not in result.stderr and "http://" not in result.stdout, name


def test_listening_beyond_this_machine_needs_host_and_warns(tmp_path: Path):
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1") and not is_loopback("example.org")
    local = Served(["--demo"], cwd=str(tmp_path))
    try:
        assert local.url.startswith("http://127.0.0.1:")
    finally:
        local.stop()
    assert "WARNING" not in local.stderr
    wide = Served(["--demo", "--host", "0.0.0.0"], cwd=str(tmp_path))
    try:
        assert "127.0.0.1" not in wide.url
    finally:
        wide.stop()
    assert "WARNING: listening on 0.0.0.0" in wide.stderr and "anyone who can reach port" in wide.stderr


def test_the_terminal_ui_never_imports_textual_serve_or_aiohttp(tmp_path: Path):
    """The whole start-up of `lictree --demo` (to a screenshot, headless), then what it imported."""
    script = (
        "import sys\n"
        "from tui.cli import main\n"
        f"code = main(['--demo', '--no-watch', '--screenshot', {str(tmp_path / 'shot.svg')!r}])\n"
        "assert code == 0, code\n"
        "if len(sys.argv) > 1: import tui.ui.serve\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aiohttp', 'textual_serve', 'aiohttp_jinja2')))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "shot.svg").is_file()
    # The check can fail: `serve`'s module brings them in.
    served = subprocess.run([sys.executable, "-c", script, "serve"], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert "textual_serve" in served.stdout and "aiohttp" in served.stdout


# Exports in a browser session: the app told it runs in a browser --------------------------------


@run_async
async def test_an_export_in_a_browser_is_delivered_and_a_path_is_written_on_the_server(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(LictreeApp, "is_web", property(lambda _app: True))  # as textual-serve runs it
    app = LictreeApp(demo_tree())
    delivered: list[tuple[str, dict]] = []

    def deliver_binary(path_or_file, **options):
        delivered.append((path_or_file.read().decode("utf-8"), options))
        return "key"

    app.deliver_binary = deliver_binary
    async with app.run_test(size=(140, 44)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        field = screen.query_one("#export-path", Input)
        assert field.value == "linux-demo-licenses.json"  # a name, not a path: downloaded
        assert "nothing is written on the server" in str(screen.query_one("#export-note").content)
        await pilot.press("down")  # csv: the name follows the format
        assert field.value == "linux-demo-licenses.csv"
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        [(text, options)] = delivered
        assert options["save_filename"] == "linux-demo-licenses.csv" and options["mime_type"] == "text/csv"
        assert text.startswith("path,") and text.count("\r\n") == 53  # a header and 52 files, CSV's line ends
        assert list(tmp_path.iterdir()) == []
        assert any("to your browser as linux-demo-licenses.csv" in n.message for n in app._notifications)
        # A path with a directory: written on the server, as asked.
        await pilot.press("x")
        field = app.screen.query_one("#export-path", Input)
        field.value = str(tmp_path / "report.json")
        await pilot.pause()
        assert "written on the server" in str(app.screen.query_one("#export-note").content)
        await pilot.press("up", "enter")
        await workers_done(app)
        await pilot.pause()
        assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["summary"]["files"] == 52
        assert len(delivered) == 1
        # The patch `lictree suggest` writes, downloaded too: the tags the demo's notices grant.
        await pilot.press("x")
        await pilot.press(*["down"] * 7)
        field = app.screen.query_one("#export-path", Input)
        assert field.value == "linux-demo-licenses.patch"
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        patch, options = delivered[1]
        assert options["save_filename"] == "linux-demo-licenses.patch" and options["mime_type"] == "text/x-diff"
        assert "diff --git a/drivers/gpu/amd/amd_demo.c b/drivers/gpu/amd/amd_demo.c" in patch
        assert "+// SPDX-License-Identifier: MIT" in patch
        assert list(tmp_path.iterdir()) == [tmp_path / "report.json"]


def test_a_download_name_is_safe_in_a_header():
    assert download_name("linux-6.12-licenses.json") == "linux-6.12-licenses.json"
    assert download_name('a b;c"\r\n.json') == "a_b_c___.json"
    assert download_name("/tmp/x.json") is None and download_name("~/x.json") is None
    assert download_name("dir/x.json") is None


def test_the_comparison_mode_is_served_and_its_export_downloaded_with_the_token(tmp_path: Path):
    import shutil

    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(demo_tree(), old)
    shutil.copytree(demo_tree(), new)
    (new / "lib" / "added.c").write_text("// SPDX-License-Identifier: MIT\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    served = Served(["--diff", str(old), str(new)], cwd=str(work), env={"HOME": str(work)})

    async def session() -> tuple[int, int, dict, bytes]:
        async with aiohttp.ClientSession() as http, http.ws_connect(
                f"{served.base}/ws?token={served.token}&width=120&height=30") as ws:
            screen, keys = Screen(), []

            async def read() -> None:  # all along, as the page does: the server waits on a reader that lags
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        screen.feed(message.data)
                    elif message.type == aiohttp.WSMsgType.TEXT and message.data.startswith('["deliver_file_start"'):
                        keys.append(json.loads(message.data)[1])

            reader = asyncio.create_task(read())
            await wait_until(lambda: "+ added.c  + MIT" in screen.text() and "Quit" in screen.text(), "the comparison")
            await ws.send_str(json.dumps(["stdin", "x"]))
            await wait_until(lambda: "downloaded by your browser" in screen.text(), "the export bar")
            await ws.send_str(json.dumps(["stdin", "changes.json\r"]))
            await wait_until(lambda: bool(keys), "the download's key")
            async with http.get(f"{served.base}/download/{keys[0]}") as refused:
                stranger = refused.status
            async with http.get(f"{served.base}/download/{keys[0]}?token={served.token}") as response:
                result = stranger, response.status, dict(response.headers), await response.read()
            reader.cancel()
            return result

    try:
        stranger, status, headers, body = asyncio.run(session())
    finally:
        served.stop()
    assert stranger == 403 and status == 200
    assert headers["Content-Disposition"] == "attachment; filename=changes.json"
    report = json.loads(body)
    assert [f["path"] for f in report["files"]] == ["lib/added.c"]
    assert list(work.iterdir()) == []  # nothing written on the server


def test_the_log_filter_blanks_the_token_in_messages_and_tracebacks():
    import logging

    from tui.ui.serve import _Redact

    token = "Zx9-secret-token"
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(handler.format(record))
    handler.addFilter(_Redact(token))
    logger = logging.getLogger("lictree-test-redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("GET /?token=%s", token)
        try:
            raise ValueError(f"bad request line: GET /?token={token}")
        except ValueError:
            logger.exception("error handling a request")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 2 and not any(token in text for text in records)
    assert "<token>" in records[0] and "ValueError: bad request line: GET /?token=<token>" in records[1]
