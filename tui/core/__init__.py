"""The UI-free core of lictree: catalog, headers, expressions, rules, scan, index, export."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(pause: bool = True) -> Iterator[None]:
    """The cyclic garbage collector off for the block (when *pause*), and as it was after it: for loading
    many small objects that make no cycle, or a short run that makes few, where a collection would only
    walk them again and again."""
    enabled = pause and gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
