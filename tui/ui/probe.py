"""What the benchmarks measure inside the running app (tests/benchmarks/bench_ui.py, bench_watch.py):
when things first appeared on screen, and the stages of each batch of watched changes. Only the
benchmarks and a few tests attach a ``Probe`` (``LictreeApp.probe``); the app records nothing otherwise.
"""

from __future__ import annotations

import time
from collections import deque
from typing import NamedTuple


class WatchTiming(NamedTuple):
    """When one update was received from the watch process, applied, handled by the app and on screen
    (``perf_counter`` times), and the files it changed."""

    received: float
    applied: float
    handling: float
    handled: float
    redrawn: float
    changed: list[str]


class Probe:
    """Timings of one app run, in ``perf_counter`` seconds."""

    def __init__(self) -> None:
        #: When each named moment first happened: "start", "first_rows", "indexed", "counted", "all_colours".
        self.timings: dict[str, float] = {"start": time.perf_counter()}
        #: The last updates from the watcher: received, applied, handled and redrawn.
        self.watch_log: deque[WatchTiming] = deque(maxlen=100)
        #: (query, CPU seconds of the UI thread from its change to the narrowed tree), one a change
        #: (thread time, so a detail pane being built meanwhile does not count).
        self.filter_costs: list[tuple[str, float]] = []
