"""Headless Chromium driven over the Chrome DevTools Protocol (a websocket, through aiohttp): the system's
browser (Debian's ``chromium``), nothing downloaded. Used by tests/ui/test_serve_browser.py.

``Chromium`` starts the browser with a fresh profile; ``Page`` is one tab: navigate, type, take a
screenshot, and read what the served app draws. The app's screen is rebuilt from the frames its
websocket receives (``Network.webSocketFrameReceived``) by ``Screen``, a small terminal emulator that
knows what Textual writes (cursor moves, text; styles ignored).
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable

import aiohttp

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--mute-audio", "--window-size=1280,800",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Screen:
    """A terminal's cells, fed with what the app writes."""

    _ESCAPE = (r"\x1b\[([0-9;:?<>=]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[P^_][^\x1b]*\x1b\\"
               r"|\x1b[^\[\]P^_]")
    _COMPLETE = re.compile(_ESCAPE, re.DOTALL)
    _TOKEN = re.compile(_ESCAPE + r"|[\x00-\x1a\x1c-\x1f]|[^\x00-\x1f]+", re.DOTALL)

    def __init__(self) -> None:
        self.cells: dict[int, dict[int, str]] = {}
        self.row = self.col = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""

    def feed(self, data: bytes) -> None:
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        cut = text.rfind("\x1b")
        if cut != -1 and not self._COMPLETE.match(text, cut):  # an escape sequence cut between two writes
            text, self._pending = text[:cut], text[cut:]
        for match in self._TOKEN.finditer(text):
            token = match.group(0)
            if match.group(2) is not None:
                self._csi(match.group(1), match.group(2))
            elif token == "\r":
                self.col = 0
            elif token == "\n":
                self.row += 1
            elif token.startswith("\x1b") or (len(token) == 1 and ord(token) < 0x20):
                continue
            else:
                self._text(token)

    def _csi(self, params: str, final: str) -> None:
        numbers = [int(p) if p.isdigit() else 0 for p in params.lstrip("?<>=").split(";")] if params else []
        if final in "Hf":
            row = numbers[0] if numbers else 1
            col = numbers[1] if len(numbers) > 1 else 1
            self.row, self.col = max(row, 1) - 1, max(col, 1) - 1
        elif final == "K":
            line = self.cells.get(self.row, {})
            for col in [c for c in line if c >= self.col]:
                del line[col]
        elif final == "J" and numbers and numbers[0] == 2:
            self.cells.clear()
        elif final == "C":
            self.col += numbers[0] if numbers and numbers[0] else 1

    def _text(self, text: str) -> None:
        line = self.cells.setdefault(self.row, {})
        for char in text:
            if unicodedata.combining(char):
                continue
            line[self.col] = char
            if unicodedata.east_asian_width(char) in "WF":
                self.col += 1
                line[self.col] = ""
            self.col += 1

    def lines(self) -> list[str]:
        if not self.cells:
            return []
        out = []
        for row in range(max(self.cells) + 1):
            line = self.cells.get(row, {})
            out.append("".join(line.get(col, " ") for col in range(max(line) + 1)) if line else "")
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


class Page:
    """One tab, over its own DevTools websocket."""

    def __init__(self, browser: Chromium, target: dict) -> None:
        self.browser = browser
        self.id = target["id"]
        self.url = target["webSocketDebuggerUrl"]
        self.screen = Screen()
        #: Frames the page's websockets received: (monotonic time, bytes); and the websockets closed.
        self.frames: list[tuple[float, bytes]] = []
        self.closed_sockets = 0
        self.texts: list[str] = []  # text frames (textual-serve's JSON messages)
        self.events: list[tuple[str, dict]] = []  # responses and downloads
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._next = 0
        self._waiting: dict[int, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None

    async def open(self) -> Page:
        self._ws = await self.browser.http.ws_connect(self.url, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        await self.send("Network.enable")
        await self.send("Page.enable")
        return self

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._waiting.pop(data["id"], None)
                if future is not None and not future.done():
                    if "error" in data:
                        future.set_exception(RuntimeError(f"CDP error: {data['error']}"))
                    else:
                        future.set_result(data.get("result", {}))
            elif data.get("method") in ("Network.responseReceived", "Page.downloadWillBegin", "Page.downloadProgress"):
                self.events.append((data["method"], data["params"]))
            elif data.get("method") == "Network.webSocketFrameReceived":
                response = data["params"]["response"]
                if response.get("opcode") == 2:
                    payload = base64.b64decode(response["payloadData"])
                    self.frames.append((time.monotonic(), payload))
                    self.screen.feed(payload)
                elif response.get("opcode") == 1:
                    self.texts.append(response["payloadData"])
            elif data.get("method") == "Network.webSocketClosed":
                self.closed_sockets += 1

    async def send(self, method: str, **params: object) -> dict:
        assert self._ws is not None
        self._next += 1
        future = asyncio.get_running_loop().create_future()
        self._waiting[self._next] = future
        await self._ws.send_str(json.dumps({"id": self._next, "method": method, "params": params}))
        return await asyncio.wait_for(future, 30)

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def wait_loaded(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while await self.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise AssertionError("the page did not load")
            await asyncio.sleep(0.05)

    async def evaluate(self, expression: str) -> object:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    async def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        """Wait until the app's screen text satisfies *predicate*; AssertionError with the screen if not."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen.text()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{text}")
            await asyncio.sleep(0.05)

    async def focus_terminal(self) -> None:
        await self.evaluate("document.querySelector('.xterm-helper-textarea').focus()")

    async def type(self, text: str) -> None:
        """Type *text*, a key at a time (a key down with its text, and up)."""
        for char in text:
            await self.send("Input.dispatchKeyEvent", type="keyDown", key=char, text=char)
            await self.send("Input.dispatchKeyEvent", type="keyUp", key=char)

    async def key(self, key: str) -> None:
        """A special key: Enter, Escape, Tab."""
        codes = {"Enter": (13, "\r"), "Escape": (27, "\x1b"), "Tab": (9, "\t")}
        code, text = codes[key]
        await self.send("Input.dispatchKeyEvent", type="rawKeyDown", key=key, code=key, windowsVirtualKeyCode=code,
                        nativeVirtualKeyCode=code)
        await self.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=key, windowsVirtualKeyCode=code,
                        nativeVirtualKeyCode=code)

    async def screenshot(self, path: str) -> None:
        data = await self.send("Page.captureScreenshot", format="png")
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data["data"]))

    async def close(self) -> None:
        """Close the tab (as a user closing it would), then the DevTools connection."""
        async with self.browser.http.get(f"{self.browser.endpoint}/json/close/{self.id}") as response:
            await response.read()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()


class Chromium:
    """A headless Chromium with a fresh profile in *profile*; ``async with`` starts and stops it."""

    def __init__(self, executable: str, profile: str) -> None:
        self.executable = executable
        self.profile = profile
        self.process: subprocess.Popen | None = None
        self.endpoint = ""
        self.http: aiohttp.ClientSession
        self._browser_ws: aiohttp.ClientWebSocketResponse | None = None
        self._scratch = ""

    async def __aenter__(self) -> Chromium:
        os.makedirs(self.profile, exist_ok=True)
        # Its HOME in the profile, its TMPDIR of its own (removed on exit): nothing it leaves lands elsewhere. The
        # TMPDIR short: Chromium puts a Unix socket there, whose path must fit in 108 bytes.
        parent = tempfile.gettempdir()
        self._scratch = scratch = tempfile.mkdtemp(prefix="cr-", dir=parent if len(parent) < 40 else "/tmp")
        self.process = subprocess.Popen([self.executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, "HOME": self.profile, "TMPDIR": scratch})
        assert self.process.stderr is not None
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + 30
        seen = []
        while time.monotonic() < deadline:
            line = await loop.run_in_executor(None, self.process.stderr.readline)
            if not line:
                break
            seen.append(line)
            found = re.search(r"DevTools listening on (ws://[^/\s]+)/", line)
            if found:
                self.endpoint = found.group(1).replace("ws://", "http://")
                break
        if not self.endpoint:
            self.process.kill()
            raise RuntimeError("chromium did not start: " + "".join(seen[-20:]))
        # Keep reading its stderr, so that a full pipe never blocks it.
        loop.run_in_executor(None, self.process.stderr.read)
        self.http = aiohttp.ClientSession()
        return self

    async def allow_downloads(self, directory: str) -> None:
        """Save every download into *directory*, without asking."""
        async with self.http.get(f"{self.endpoint}/json/version") as response:
            url = (await response.json(content_type=None))["webSocketDebuggerUrl"]
        # The setting lasts as long as the DevTools connection that made it: kept open until the browser stops.
        self._browser_ws = ws = await self.http.ws_connect(url)
        await ws.send_str(json.dumps({"id": 1, "method": "Browser.setDownloadBehavior",
                                      "params": {"behavior": "allow", "downloadPath": directory}}))
        async for message in ws:
            if json.loads(message.data).get("id") == 1:
                break

    async def new_page(self) -> Page:
        async with self.http.put(f"{self.endpoint}/json/new?about:blank") as response:
            target = await response.json(content_type=None)
        return await Page(self, target).open()

    async def __aexit__(self, *exc: object) -> None:
        if self._browser_ws is not None:
            await self._browser_ws.close()
        await self.http.close()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)


# The server under test ------------------------------------------------------------------------


class Served:
    """``lictree serve ARGS --port 0`` in a process of its own; every process it starts carries *mark* in its
    environment, so that what is left of them can be found (``processes``) wherever it was reparented."""

    def __init__(self, args: list[str], cwd: str, env: dict[str, str] | None = None) -> None:
        self.mark = f"LICTREE_SERVE_TEST={os.urandom(8).hex()}"
        name, value = self.mark.split("=")
        environment = {**os.environ, **(env or {}), name: value}
        self.process = subprocess.Popen([sys.executable, "-m", "tui.cli", "serve", *args, "--port", "0"],
                                        cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.lines: list[str] = []
        self.url = ""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            found = re.search(r"http://\S+", line)
            if found:
                self.url = found.group(0)
                break
        if not self.url:
            self.process.wait(10)
            raise AssertionError(f"lictree serve printed no URL: {''.join(self.lines)}{self.process.stderr.read()}")
        self.base = self.url.split("/?", 1)[0]
        self.token = self.url.split("token=", 1)[1]
        self._rest = threading.Thread(target=self._read, daemon=True)
        self._rest.start()
        self.stderr = ""

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def processes(self) -> list[int]:
        """The live processes started by the server (its sessions' apps and their children), not the server."""
        found = []
        needle = self.mark.encode() + b"\0"
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == self.process.pid:
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as handle:
                    if needle in handle.read():
                        found.append(int(entry))
            except OSError:
                continue
        return found

    def apps(self) -> list[int]:
        """The sessions' app processes: the server's children."""
        children = []
        for pid in self.processes():
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                        children.append(pid)
            except (OSError, ValueError, IndexError):
                continue
        return children

    def stop(self) -> str:
        """SIGTERM, as Ctrl-C; returns everything it printed."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._rest.join(5)
        assert self.process.stderr is not None
        self.stderr = self.process.stderr.read()
        return "".join(self.lines) + self.stderr


async def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
