"""`lictree serve`: a served session's first usable frame against the terminal UI's, on a kernel tree.

    python3 tests/benchmarks/bench_serve.py [KERNEL_TREE] [--repeat 5]
    python3 tests/benchmarks/bench_serve.py --smoke      # a tiny tree, one repeat: does the bench work

KERNEL_TREE defaults to $LICTREE_KERNEL_TREE; without either the bench says so and exits 2.

"First usable": the tree's root row and the footer are on the screen (the rows come from the listing,
before any verdict; keys are accepted from then on), at 160x48, with the verdict cache warm (a first,
unmeasured run fills it). Median of --repeat runs each of:
- terminal: `lictree TREE` launched in a pseudo-terminal, from just before the launch to the frame;
- served, websocket: one `lictree serve TREE` running; from opening a websocket to it (as the page
  does) to the frame: the server spawns the session's lictree and relays its output;
- served, browser: headless Chromium (when installed) opening the URL, from the navigation to the
  frame read from the page's websocket: adds loading the page and its script (textual.js, 0.5 MB).
The terminal's screen and the served ones are rebuilt by the same small emulator (tests/ui/browser.py).
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, REPO)
from _measure import add_tree_args, kernel_tree, smoke_tree, with_notice_index  # noqa: E402

from tests.ui.browser import Chromium, Screen, chromium_path  # noqa: E402

COLUMNS, ROWS = 160, 48
GOAL = 1.0  # served within a second of the terminal


def usable(root: str) -> Callable[[str], bool]:
    name = os.path.basename(root.rstrip("/")) + "/"
    return lambda text: name in text and "q Quit" in text


def terminal_first_frame(tree: str, env: dict) -> float:
    """Seconds from launching `lictree TREE` in a pty to its first usable frame."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    screen, ready = Screen(), usable(tree)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tui.cli", tree, "--no-watch"], stdin=follower, stdout=follower,
                            stderr=follower, env={**env, "TERM": "xterm-256color"}, start_new_session=True,
                            close_fds=True, cwd=REPO)
    os.close(follower)
    first = None
    try:
        deadline = started + 60
        while first is None and time.perf_counter() < deadline:
            if select.select([leader], [], [], 0.05)[0]:
                screen.feed(os.read(leader, 1 << 16))
                if ready(screen.text()):
                    first = time.perf_counter() - started
        os.write(leader, b"q")
        while proc.poll() is None and time.perf_counter() < deadline + 30:  # drain, or it blocks writing
            if select.select([leader], [], [], 0.05)[0]:
                try:
                    os.read(leader, 1 << 16)
                except OSError:
                    break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(leader)
    if first is None:
        raise SystemExit(f"bench_serve: the terminal UI drew no usable frame in 60 s:\n{screen.text()}")
    return first


class Server:
    def __init__(self, tree: str, env: dict) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "serve", tree, "--no-watch", "--port", "0"],
                                     env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.url = ""
        for line in self.proc.stdout:
            found = re.search(r"http://\S+", line)
            if found:
                self.url = found.group(0)
                break
        if not self.url:
            raise SystemExit("bench_serve: lictree serve printed no URL")
        self.sessions = 0
        import threading

        threading.Thread(target=self._count, daemon=True).start()

    def _count(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            found = re.search(r"\((\d+) sessions? running\)", line)
            if found:
                self.sessions = int(found.group(1))

    async def idle(self) -> None:
        """Wait until the server runs no session (the last one's app has quit)."""
        deadline = time.monotonic() + 30
        while self.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


async def websocket_first_frame(server: Server, tree: str) -> float:
    import aiohttp

    base, token = server.url.split("/?token=")
    screen, ready = Screen(), usable(tree)
    async with aiohttp.ClientSession() as http:
        started = time.perf_counter()
        async with http.ws_connect(f"{base.replace('http', 'ws')}/ws?token={token}&width={COLUMNS}&height={ROWS}",
                                   max_msg_size=0) as ws:
            while True:
                message = await ws.receive(timeout=60)
                if message.type != aiohttp.WSMsgType.BINARY:
                    if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                        raise SystemExit("bench_serve: the session closed before a usable frame")
                    continue
                screen.feed(message.data)
                if ready(screen.text()):
                    first = time.perf_counter() - started
                    break
    await server.idle()
    return first


async def browser_first_frames(server: Server, tree: str, repeat: int, executable: str, scratch: str) -> list[float]:
    times = []
    ready = usable(tree)
    async with Chromium(executable, os.path.join(scratch, "profile")) as browser:
        for _ in range(repeat):
            page = await browser.new_page()
            started = time.perf_counter()
            await page.navigate(server.url)
            await page.wait_for(ready, "the first usable frame", timeout=60)
            times.append(time.perf_counter() - started)
            await page.close()
            await server.idle()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_tree_args(parser)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as scratch:
        tree = smoke_tree(scratch) if args.smoke else kernel_tree(args.tree, "bench_serve.py")
        repeat = 1 if args.smoke else args.repeat
        env = {**os.environ, "XDG_CACHE_HOME": os.path.join(scratch, "cache"), "HOME": scratch}
        with_notice_index(env, scratch)
        load = os.getloadavg()[0]
        subprocess.run([sys.executable, "-m", "tui.cli", "check", tree], env=env, cwd=REPO,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # the cache, warm for every run
        terminal_first_frame(tree, env)  # unmeasured: the page cache and bytecode, warm
        terminal = [terminal_first_frame(tree, env) for _ in range(repeat)]
        server = Server(tree, env)
        try:
            asyncio.run(websocket_first_frame(server, tree))  # unmeasured
            served = [asyncio.run(websocket_first_frame(server, tree)) for _ in range(repeat)]
            executable = None if os.environ.get("LICTREE_NO_BROWSER") else chromium_path()
            browser = (asyncio.run(browser_first_frames(server, tree, repeat + 1, executable, scratch))[1:]
                       if executable else [])
        finally:
            server.stop()
    print(f"bench_serve: {tree}, {COLUMNS}x{ROWS}, warm cache, median of {repeat} "
          f"(load average {load:.2f} -> {os.getloadavg()[0]:.2f})")
    t = statistics.median(terminal)
    print(f"  terminal, launch to first usable frame       {t:6.2f} s")
    s = statistics.median(served)
    print(f"  served, websocket open to first usable frame  {s:6.2f} s  (+{s - t:.2f} s; goal within {GOAL:.0f} s)")
    if browser:
        b = statistics.median(browser)
        print(f"  served, browser navigation to first usable    {b:6.2f} s  (+{b - t:.2f} s)")
    else:
        print("  served, browser: no chromium on this machine (or LICTREE_NO_BROWSER), not measured")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
