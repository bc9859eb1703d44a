"""Indexing in its own thread (started before Textual loads) and the directory counts made as verdicts arrive."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from tui.cli import demo_tree
from tui.core.build import build_index
from tui.core.counting import DirCounter, DirStats
from tui.core.index import LicenseIndex
from tui.core.scan import start_listing
from tui.ui import indexing
from tui.ui.indexing import Built, Indexing, Progress, Ready, once

from ..conftest import write_tree


def as_plain(dirs: dict[str, DirStats]) -> dict[str, tuple]:
    """Counts comparable with ==, zero entries dropped (Counter arithmetic may leave them)."""
    return {d: (s.files, +s.statuses, +s.licenses, s.problems, s.findings, +s.noticed, +s.sources)
            for d, s in dirs.items() if s.files}


def mixed_tree(root: Path) -> Path:
    """Valid, untagged and invalid files, one with a finding of its own, in nested directories."""
    return write_tree(root, {
        "a/b/c/one.c": "// SPDX-License-Identifier: GPL-2.0\n",
        "a/b/c/two.c": "// SPDX-License-Identifier: GPL-2.0\n",
        "a/b/three.c": "// SPDX-License-Identifier: MIT\n",
        "a/bad.c": "// SPDX-License-Identifier: GPL-2.0 AND\n",
        "a/plain.c": "int x;\n",
        "x/y.c": "// SPDX-License-Identifier: Apache-2.0 OR MIT\n",
        "top.c": "int top;\n",
    })


def batches_of(index: LicenseIndex, size: int) -> list[list]:
    records = [(r.path, (index.status[i], r.expression, r.line or 0, r.findings, r.notice))
               for i, r in enumerate(index)]
    return [records[i : i + size] for i in range(0, len(records), size)]


def test_counts_made_batch_by_batch_are_the_index_s_own(tmp_path):
    for root in (demo_tree(), str(mixed_tree(tmp_path))):
        index = build_index(root, use_cache=False)
        assert any(index.findings.values())
        for size in (1, 3, 1000):
            counter = DirCounter()
            for batch in batches_of(index, size):
                counter.add(batch)
            assert counter.files == len(index)
            assert as_plain(counter.totals()) == as_plain(index.dirs())


def test_counts_made_from_a_whole_index_s_columns_are_its_own(tmp_path):
    for root in (demo_tree(), str(mixed_tree(tmp_path))):
        index = build_index(root, use_cache=False)
        counter = DirCounter()
        counter.add_columns(index.paths, index.status, index.exprs, index.findings, index.notices)
        assert counter.files == len(index)
        assert as_plain(counter.totals()) == as_plain(index.dirs())


def collect(run: Indexing) -> list:
    events: list = []
    done = threading.Event()

    def sink(event: object) -> None:
        events.append(event)
        if isinstance(event, (Ready, indexing.Failed)):
            done.set()

    run.attach(sink)
    assert done.wait(30)
    run.join(30)
    return events


def test_events_kept_before_anyone_attaches_are_handed_over_in_order(tmp_path):
    root = str(mixed_tree(tmp_path))
    run = Indexing(root, use_cache=False).start()
    run.join(30)  # nobody listening yet: everything is kept
    events = collect(run)
    assert [type(e) for e in events] == [Progress, Built, Ready]
    progress, built, ready = events
    assert sorted(path for path, _ in progress.batch) == built.index.paths
    assert progress.done == progress.total == len(built.index)
    assert built.index is ready.index
    assert as_plain(built.dirs) == as_plain(ready.index.dirs())


def test_a_cached_index_comes_with_its_directory_counts(tmp_path):
    root = str(mixed_tree(tmp_path))
    build_index(root)  # fills the cache
    events = collect(Indexing(root).start())
    built = next(e for e in events if isinstance(e, Built))
    assert built.index.cached_count == len(built.index)
    assert as_plain(built.dirs) == as_plain(build_index(root, use_cache=False).dirs())


def test_a_bad_root_is_a_failure_event(tmp_path):
    events = collect(Indexing(str(tmp_path / "missing")).start())
    assert len(events) == 1 and isinstance(events[0], indexing.Failed) and "missing" in events[0].message


def test_stopped_indexing_sends_nothing_more(tmp_path, monkeypatch):
    root = str(mixed_tree(tmp_path))
    entered, release = threading.Event(), threading.Event()
    real = indexing.build_index

    def stalled(*args, progress, **kwargs):
        def first_batch_then_wait(batch, done, total):
            entered.set()
            release.wait(10)
            progress(batch, done, total)
        return real(*args, progress=first_batch_then_wait, **kwargs)

    monkeypatch.setattr(indexing, "build_index", stalled)
    run = Indexing(root, use_cache=False).start()
    events: list = []
    run.attach(events.append)
    assert entered.wait(10)
    run.stop()
    release.set()
    run.join(10)
    assert events == []


def test_a_listing_finished_once_is_shared_by_every_caller(tmp_path):
    root = str(mixed_tree(tmp_path))
    calls = []
    real = start_listing(root)

    def counted():
        calls.append(1)
        return real()

    finish = once(counted)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(finish())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(r is results[0] for r in results)
    assert "a/b/c/one.c" in results[0].paths


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
def test_the_indexing_thread_yields_the_cpu_to_the_ui_thread(tmp_path, monkeypatch):
    seen: list[tuple[int, int]] = []
    real = indexing.build_index

    def noting_priority(*args, **kwargs):
        seen.append((os.getpriority(os.PRIO_PROCESS, 0), ui_priority))
        return real(*args, **kwargs)

    ui_priority = os.getpriority(os.PRIO_PROCESS, 0)
    monkeypatch.setattr(indexing, "build_index", noting_priority)
    collect(Indexing(str(mixed_tree(tmp_path)), use_cache=False).start())
    assert seen == [(min(ui_priority + indexing.NICENESS, 19), ui_priority)]
    assert os.getpriority(os.PRIO_PROCESS, 0) == ui_priority  # this thread's is unchanged


def test_a_tree_big_enough_for_reader_processes_is_indexed_from_the_thread(tmp_path):
    """The reader processes are forked by the indexing thread (not the main one): every file arrives,
    with the verdicts a one-process index gives."""
    from tui.core.build import POOL_THRESHOLD

    files = {f"d{i % 9}/f{i}.c": "// SPDX-License-Identifier: MIT\n" if i % 4 else "int x;\n"
             for i in range(POOL_THRESHOLD + 300)}
    root = str(write_tree(tmp_path / "big", files))
    run = Indexing(root, use_cache=False).start()
    run.join(60)
    events = collect(run)
    batches = [e for e in events if isinstance(e, Progress)]
    ready = next(e for e in events if isinstance(e, Ready))
    serial = build_index(root, use_cache=False, workers=1)
    assert sum(len(b.batch) for b in batches) == len(serial)  # (kept batches come merged)
    assert ready.index.paths == serial.paths and ready.index.status == serial.status
    assert as_plain(ready.index.dirs()) == as_plain(serial.dirs())
