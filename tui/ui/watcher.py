"""Following the tree on disk: files changed in an editor, a checkout or a shell are read again.

The watches themselves live in a child process (``watch_process``: watchfiles holds the GIL while
it sets them up). Its batches of changed paths reach ``TreeWatcher.run``, a
Textual async worker, and are applied in a thread (``tui.core.watch.apply_changes``) to a copy of
the index, so the UI goes on drawing from the old one; the new index and what really changed
reach the app as a ``TreeWatcher.Changed`` message. Batches that arrive while one is being
applied are merged into the next, so a storm of changes becomes a few updates.

The watcher starts once the first index is complete; what changed before its watches were in
place (while the tree was being indexed) is found with ``changed_since`` and applied first. After
a storm, which may have overflowed the kernel's queue of events, the same catch-up runs again.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from textual.message import Message
from textual.message_pump import MessagePump

from tui.core.index import LicenseIndex
from tui.core.watch import apply_changes, changed_since
from tui.ui.crash import save_crash_report

T = TypeVar("T")

#: The watch process, run with the tree's path.
WATCH_COMMAND = (sys.executable, "-m", "tui.ui.watch_process")
#: While a batch is applied, the GIL is handed back to the UI's thread within this many seconds
#: (Python's default is 5 ms, which the event loop may wait each time it comes back from I/O).
SWITCH_INTERVAL = 0.001
#: The longest batch line the child may send (paths of a checkout of the whole tree fit).
LINE_LIMIT = 1 << 28


@dataclass(slots=True)
class Changes:
    """What one batch changed: the new index, and the files whose row must be redrawn."""

    index: LicenseIndex
    #: Files added, or whose status, tag, tag line, findings or notice changed.
    changed: list[str]
    added: list[str]
    removed: list[str]
    #: LICENSES/, COPYING or spdxexclude changed: every file's detail may say something else.
    catalog_changed: bool

    def affected(self) -> set[str]:
        """The changed and removed files and every directory holding one (their counts changed)."""
        found: set[str] = set()
        for path in (*self.changed, *self.removed):
            found.add(path)
            directory = path.rpartition("/")[0]
            while directory not in found:
                found.add(directory)
                if not directory:
                    break
                directory = directory.rpartition("/")[0]
        return found


def _outcome(index: LicenseIndex, i: int, path: str) -> tuple:
    """What a file's row and detail show of it: a change of its notice alone counts too."""
    return index.status[i], index.exprs[i], index.lines[i], index.findings.get(path, ()), index.notices.get(path)


def apply_batch(index: LicenseIndex, paths: Iterable[str], since: float | None = None) -> Changes | None:
    """Apply changed *paths* to a copy of *index* (blocking: file I/O); None when nothing really changed.

    *since*: also re-read what changed on disk since then (the catch-up when watching starts).
    """
    todo = set(paths)
    if since is not None:
        todo |= changed_since(index, since)
    if not todo:
        return None
    new = index.copy()
    update = apply_changes(new, todo, workers=None)
    changed: list[str] = []
    added: list[str] = []
    for path in update.updated:
        i = index.position(path)
        if i is None:
            added.append(path)
            changed.append(path)
        else:
            j = new.position(path)
            if j is not None and _outcome(index, i, path) != _outcome(new, j, path):
                changed.append(path)
    catalog_changed = update.context_changed and new.ctx.fingerprint != index.ctx.fingerprint
    if not (changed or update.removed or catalog_changed):
        return None
    new.position("")  # the position table, built here rather than on the UI's first lookup
    new.dirs()
    return Changes(new, changed, added, update.removed, catalog_changed)


def _decode(lines: list[bytes]) -> set[str]:
    paths: set[str] = set()
    for line in lines:
        paths.update(json.loads(line)["paths"])
    return paths


def _child_env() -> dict[str, str]:
    """The environment of the watch process, with this copy of ``tui`` first on its path."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    return env


def _nothing(*_args: object) -> None:
    """A job whose arguments are dropped in the background thread."""


class Background:
    """One daemon thread running jobs in turn. Handing it a job never waits, unlike starting a thread
    (which blocks the UI until the new thread has run while another holds the GIL); being a daemon,
    it never delays quitting."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[..., object], tuple, Callable[..., None] | None] | None] = (
            queue.SimpleQueue())
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, function: Callable[..., object], *args: object,
               done: Callable[[object, BaseException | None], None] | None = None) -> None:
        self._jobs.put((function, args, done))

    async def call(self, function: Callable[..., T], *args: object) -> T:
        """Run *function* in the thread and wait for its result, without blocking the event loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(result: T, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        def done(result: object, error: BaseException | None) -> None:
            try:
                loop.call_soon_threadsafe(settle, result, error)
            except RuntimeError:
                pass  # the loop is closed: the app has quit

        self.submit(function, *args, done=done)
        return await future

    def close(self) -> None:
        self._jobs.put(None)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            function, args, done = job
            del job
            try:
                result, error = function(*args), None
            except BaseException as exc:
                result, error = None, exc
            del function, args
            if done is not None:
                done(result, error)
            del done, result, error


class TreeWatcher:
    """Watches one tree for *target* (the app): runs the watch process and applies its batches."""

    @dataclass
    class Changed(Message):
        """Files changed on disk; ``received`` and ``applied`` are ``perf_counter`` times of the batch."""

        changes: Changes
        received: float
        applied: float

    @dataclass
    class Busy(Message):
        """Changes reported by the watch process are being read (``busy``), or are done with."""

        busy: bool

    @dataclass
    class Started(Message):
        """The watches are in place and what changed while indexing has been caught up on."""

    @dataclass
    class Failed(Message):
        """Watching stopped (or never started); ``message`` is one sentence for the user."""

        message: str

    def __init__(self, target: MessagePump, index: LicenseIndex, since: float | None) -> None:
        self.target = target
        self.index = index
        self.root = index.root
        self._since = since
        self._pending: list[bytes] = []
        self._first_arrival = 0.0
        self._arrived = asyncio.Event()
        self._ready = False
        self._error: str | None = None
        self._ended = False
        self._background: Background | None = None

    def let_go(self, index: LicenseIndex | None) -> None:
        """Drop *index* (replaced by a newer one) in the watcher's thread: freeing it takes the UI's a while."""
        if self._background is not None:
            self._background.submit(_nothing, index)

    async def run(self) -> None:
        """The worker's body: until cancelled, or until the watch process fails."""
        try:
            process = await asyncio.create_subprocess_exec(
                *WATCH_COMMAND, self.root,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                env=_child_env(), limit=LINE_LIMIT,
            )
        except OSError as exc:
            self.target.post_message(self.Failed(f"cannot start the file watcher: {exc.strerror or exc}"))
            return
        assert process.stdout is not None
        reader = asyncio.create_task(self._read(process.stdout))
        self._background = background = Background("lictree-watch")
        try:
            await self._apply_batches(background)
        finally:
            reader.cancel()
            self._background = None
            background.close()
            await _stop(process)

    async def _read(self, stdout: asyncio.StreamReader) -> None:
        while line := await stdout.readline():
            if line.startswith(b'{"paths"'):
                if not self._pending:
                    self._first_arrival = time.perf_counter()
                self._pending.append(line)
            else:
                try:
                    message = json.loads(line)
                except ValueError:
                    message = {"error": f"unexpected output from the watch process: {line[:80]!r}"}
                self._ready = self._ready or bool(message.get("ready"))
                self._error = message.get("error", self._error)
                if "rescan" in message:  # after a storm: re-read what changed since it began
                    since = float(message["rescan"])
                    self._since = since if self._since is None else min(self._since, since)
            self._arrived.set()
        self._ended = True
        self._arrived.set()

    async def _apply_batches(self, background: Background) -> None:
        started = False
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            if self._ready and (self._pending or self._since is not None):
                lines, self._pending = self._pending, []
                received = self._first_arrival if lines else time.perf_counter()
                since, self._since = self._since, None
                if lines:
                    self.target.post_message(self.Busy(True))
                try:
                    changes = await background.call(self._apply, lines, since)
                except Exception as exc:  # a bug: say so and stop, rather than show a stale tree as current
                    report = save_crash_report(exc, self.root, "applying changes on disk")
                    where = f"; a report was saved to {report}" if report else ""
                    self.target.post_message(self.Failed(f"not following changes on disk any more: internal error "
                                                         f"({type(exc).__name__}: {exc}){where}"))
                    return
                if changes is not None:
                    self.index = changes.index
                    self.target.post_message(self.Changed(changes, received, time.perf_counter()))
                if lines:
                    self.target.post_message(self.Busy(False))
                if not started:
                    started = True
                    self.target.post_message(self.Started())
                if self._pending or self._since is not None or self._ended:
                    self._arrived.set()
            elif self._error is not None or self._ended:
                reason = self._error or "the watch process ended"
                self.target.post_message(self.Failed(f"not following changes on disk: {reason}"))
                return

    def _apply(self, lines: list[bytes], since: float | None) -> Changes | None:
        previous = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            return apply_batch(self.index, _decode(lines), since)
        finally:
            sys.setswitchinterval(previous)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """End the watch process: closing its stdin asks it to stop; it is killed if it does not."""
    if process.returncode is None:
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 1.0)
        except (TimeoutError, asyncio.CancelledError):
            process.kill()
            await process.wait()
