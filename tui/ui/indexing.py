"""Indexing in a thread of its own, started before Textual is imported, so the two overlap.

``lictree PATH`` starts git and then this thread at once; the app attaches when it is mounted and
is handed what happened so far, then every later event. No Textual import (the point is to run
while Textual loads).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.core.build import build_index
from tui.core.cache import cache_path
from tui.core.counting import DirCounter, DirStats
from tui.core.evaluate import Outcome
from tui.core.index import LicenseIndex
from tui.core.scan import Listing, start_listing
from tui.core.tree import TreeError

#: How much lower the indexing thread's (and its worker processes') CPU priority is than the UI's.
NICENESS = 5


@dataclass(frozen=True, slots=True)
class Progress:
    """A batch of verdicts: ``done`` of ``total`` files are read."""

    batch: list[tuple[str, Outcome]]
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class RulesProgress:
    """The licence-notice rule index is being built before files are read (a first run: seconds)."""

    what: str
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class Built:
    """Every file's verdict is known, and *dirs*, the directory counts, made as verdicts arrived; the
    index's own directory counts are being computed."""

    index: LicenseIndex
    dirs: dict[str, DirStats]


@dataclass(frozen=True, slots=True)
class Ready:
    """The index and its directory counts are complete."""

    index: LicenseIndex
    seconds: float


@dataclass(frozen=True, slots=True)
class Failed:
    """The tree could not be indexed; ``message`` is one sentence for the user."""

    message: str


Event = Progress | RulesProgress | Built | Ready | Failed


class _Stopped(Exception):
    """Raised from the progress callback to stop ``build_index`` (its pool is terminated)."""


class _GcPause:
    """The cyclic garbage collector is off while any index is being built, and while the app starts.

    Indexing allocates ~87,000 records that all live on, and so does parsing the listing for the
    first frame; the collector would walk the growing heap over and over (a good part of a kernel
    tree's cold start, holding the GIL: docs/performance.md). Nothing made then is garbage in cycles; the app collects
    once and freezes what lives on when the index is ready.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._users == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._users += 1

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._was_enabled:
                gc.enable()


_GC_PAUSE = _GcPause()


def once(finish: Callable[[], Listing]) -> Callable[[], Listing]:
    """*finish* called at most once, from any thread: later calls get the same listing (or error)."""
    lock = threading.Lock()
    outcome: list = []

    def call() -> Listing:
        with lock:
            if not outcome:
                try:
                    outcome.append((True, finish()))
                except BaseException as exc:  # handed to every caller, as the first one got it
                    outcome.append((False, exc))
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    return call


class Indexing:
    """``build_index`` of *root* in a thread; events are kept until someone attaches, then passed on."""

    def __init__(self, root: str, *, use_cache: bool = True, listing: Callable[[], Listing] | None = None,
                 launching: bool = False) -> None:
        """*launching*: the app is yet to be imported and drawn; the garbage collector waits until
        ``drawn`` is called."""
        self.root = root
        self.use_cache = use_cache
        #: What finishes the listing; None once the index is built (it holds ~25 MB for a kernel tree).
        self.listing: Callable[[], Listing] | None = listing if listing is not None else once(start_listing(root))
        self.started = 0.0
        self._lock = threading.Lock()
        self._kept: list[Event] = []
        self._sink: Callable[[Event], object] | None = None
        self._stop = threading.Event()
        self._counter = DirCounter()
        self._thread = threading.Thread(target=self._run, name="lictree-index")
        self._launching = launching
        if launching:
            _GC_PAUSE.__enter__()

    def start(self) -> Indexing:
        """Start the thread (once; later calls do nothing)."""
        if not self.started:
            self.started = time.perf_counter()
            self._thread.start()
        return self

    def drawn(self) -> None:
        """The app's first frame is drawn: start indexing if it waited for that, collect garbage again."""
        self.start()
        if self._launching:
            self._launching = False
            _GC_PAUSE.__exit__()

    def cached(self) -> bool:
        """Whether a cache of the tree's verdicts exists (it may still be stale)."""
        path = cache_path(self.root) if self.use_cache else None
        return path is not None and os.path.exists(path)

    def attach(self, sink: Callable[[Event], object]) -> None:
        """Send *sink* every event so far, then each one as it comes (from the indexing thread)."""
        with self._lock:
            kept, self._kept = self._kept, []
            for event in _merged(kept):
                sink(event)
            self._sink = sink

    def stop(self) -> None:
        """Stop as soon as possible (the app quit): no more events, the worker processes end."""
        self._stop.set()
        if self._launching:
            self._launching = False
            _GC_PAUSE.__exit__()
        with self._lock:
            self._sink = None
            self._kept = []

    def join(self, timeout: float | None = None) -> None:
        if self.started:
            self._thread.join(timeout)

    def _emit(self, event: Event) -> None:
        with self._lock:
            if self._sink is not None:
                self._sink(event)
            elif not self._stop.is_set():
                self._kept.append(event)

    def _progress(self, batch: list, done: int, total: int) -> None:
        if self._stop.is_set():
            raise _Stopped
        self._counter.add(batch)
        self._emit(Progress(batch, done, total))

    def _rules_progress(self, what: str, done: int, total: int) -> None:
        if self._stop.is_set():
            raise _Stopped
        self._emit(RulesProgress(what, done, total))

    def _run(self) -> None:
        _lower_priority()
        with _GC_PAUSE:
            self._index()

    def _index(self) -> None:
        try:
            index = build_index(self.root, use_cache=self.use_cache, progress=self._progress, listing=self.listing,
                                notice_progress=self._rules_progress)
        except _Stopped:
            return
        except TreeError as exc:
            self._emit(Failed(str(exc)))
            return
        finally:
            self.listing = None
        if self._stop.is_set():
            return
        counter, self._counter = self._counter, DirCounter()
        if counter.files != len(index) or index.ctx.reuse is not None:  # from the cache, in one piece; or a
            # REUSE tree, whose licence files' findings were settled once all files were read
            counter = DirCounter()
            counter.add_columns(index.paths, index.status, index.exprs, index.findings, index.notices)
        totals = counter.totals()
        del counter
        index.adopt_dirs(totals)  # the same counts: not counted a second time
        self._emit(Built(index, totals))
        index.position("")  # the map of positions, made here rather than on a key
        if not self._stop.is_set():
            self._emit(Ready(index, time.perf_counter() - self.started))


def _lower_priority() -> None:
    """Give this thread, and the reader processes it asks for, a lower CPU priority than the UI's thread
    (Linux sets it per thread; the reader server gives its readers the priority of the thread that asked,
    see tui.core.readers): on two cores, the workers would otherwise take a third of the CPU
    that Textual needs to start and draw (a later first frame, all colours no later:
    docs/performance.md). The price: while other programs keep every core busy, indexing gets a smaller share."""
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
    except OSError:
        pass


def _merged(events: list[Event]) -> list[Event]:
    """Progress batches kept while nobody listened, as one batch (then the other events in order)."""
    batches = [e for e in events if isinstance(e, Progress)]
    if len(batches) <= 1:
        return events
    batch = [item for e in batches for item in e.batch]
    merged: list[Event] = [Progress(batch, batches[-1].done, batches[-1].total)]
    return merged + [e for e in events if not isinstance(e, Progress)]
