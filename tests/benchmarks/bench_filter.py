"""The filter typed live on a whole kernel tree: CPU time from a keystroke to the narrowed tree.

    python3 tests/benchmarks/bench_filter.py [KERNEL_TREE] [--repeat 3] [--no-app]
    python3 tests/benchmarks/bench_filter.py --smoke      # a tiny tree, one repeat: does the bench work

KERNEL_TREE defaults to $LICTREE_KERNEL_TREE; without either the bench says so and exits 2.

Types a set of queries one character at a time (then deletes one of them character by
character) and prints, per keystroke, CPU time (time.process_time: all threads of the process;
Pilot's wall time is mostly its own polling and is not used):

- "narrow": what the app does on a changed query — parse, match (among the previous matches when
  the new query can only narrow them), the mask, and the tree's rows with every directory
  holding a match expanded (``TreeModel.narrow``), without Textual. A word on its way to a key
  or an id (``s`` of ``status:``, ``license:M``) changes nothing and costs next to nothing: the
  median is of those too, the p95 and max are the narrowings;
- "naive": the same changes of the tree made the straightforward way, for scale: every query
  matched afresh, ``set_filter`` with the set of matching paths, then every directory opened and
  the rows rebuilt from scratch;
- in the app (headless, 160x48), unless --no-app: "in app" is the app's own count from the
  query change to the narrowed tree (``Probe.filter_costs``, CPU of the UI thread); "key" is
  the whole keystroke, Pilot press + pause, process CPU (the input's echo, the narrowing, the
  repaint of the screen, Pilot, and any worker running meanwhile); "floor" is a key typed into a
  bare Textual Input in a one-widget app, Textual's own cost of a keystroke. Esc (clear) is
  shown apart: most of it is Textual's Footer recomposing its keys as the focus goes back to
  the tree.

Goal: <= 50 ms of CPU from keystroke to narrowed tree.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, REPO)

SIZE = (160, 48)
GOAL_MS = 50.0
#: Queries typed one key at a time: what a reviewer of a kernel tree types.
QUERIES = [
    "usb",
    "status:untagged",
    "license:MIT",
    "path:drivers/net",
    "ext:c -status:valid",
    "rule:LT1 path:arch",
    "class:dual",
    "-license:GPL-2.0 ext:h",
    "sound codec",
]
#: Deleted again one key at a time after being typed (each step widens: no reuse of matches).
ERASED = "path:drivers/net"


def keystrokes() -> list[tuple[str, str]]:
    """(query before the key, after it), for every key of every query; queries start empty."""
    steps: list[tuple[str, str]] = []
    for query in QUERIES:
        steps.extend((query[:i], query[: i + 1]) for i in range(len(query)))
        steps.append((query, ""))  # cleared (Esc) before the next one
    steps.extend((ERASED[:i], ERASED[: i - 1]) for i in range(len(ERASED), 0, -1))
    return steps


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def figures(name: str, costs: list[float]) -> str:
    ms = [c * 1000 for c in costs]
    return (f"{name:<34}{statistics.median(ms):>9.1f}{p95(ms):>9.1f}{max(ms):>9.1f}{len(ms):>7}"
            f"{sum(m > GOAL_MS for m in ms):>8}")


def header() -> str:
    return f"{'CPU ms per keystroke':<34}{'median':>9}{'p95':>9}{'max':>9}{'keys':>7}{'> 50':>8}"


# Without Textual ----------------------------------------------------------------------------


def bench_model(tree: str, repeat: int) -> None:
    from tui.core.build import build_index
    from tui.core.query import parse_query
    from tui.ui.filtering import TreeFilter
    from tui.ui.model import TreeModel
    from tui.ui.narrow import FullTree

    index = build_index(tree)
    start = time.process_time()
    full = FullTree(index.paths)
    full_cpu = time.process_time() - start
    print(f"tree: {tree}  ({len(index):,} files, {len(full.dir_keys):,} directories, {len(full.rows):,} rows "
          f"when all open)")
    print(f"fully expanded layout, made once per path list (in a worker when the bar opens): {full_cpu * 1000:.0f} ms")
    steps = keystrokes()
    narrow: list[float] = []
    changed: list[float] = []
    applied: list[str] = []  # the queries that changed the tree, in order (for the naive way)
    worst: list[tuple[float, str]] = []
    for run in range(repeat):
        model = TreeModel(index.paths)
        model.adopt(full)
        tree_filter = TreeFilter()
        gc.collect()
        gc.freeze()  # as the app does once the index is ready
        for _before, after in steps:
            start = time.process_time()
            before = tree_filter.mask
            tree_filter.apply(index, after)
            result = tree_filter.result
            moved = tree_filter.mask is not before or model.filtered != (result is not None)
            if moved:  # as the app does
                model.narrow(tree_filter.mask)
            cost = time.process_time() - start
            narrow.append(cost)
            worst.append((cost, after))
            if moved:
                changed.append(cost)
                if run == 0:
                    applied.append(result.query.text if result is not None else "")
    naive: list[float] = []
    model = TreeModel(index.paths)
    for text in applied:
        start = time.process_time()
        query = parse_query(text)
        if query:
            paths = index.paths
            model.set_filter({paths[i] for i in query.matches(index)})
            model.expand_all()
        else:
            model.set_filter(None)
        naive.append(time.process_time() - start)
    print()
    print(header())
    print(figures(f"narrow, every keystroke (x{repeat})", narrow))
    print(figures("narrow, keystrokes changing the tree", changed))
    print(figures("naive way, the same changes", naive))
    slowest = sorted(worst, reverse=True)[:5]
    print("slowest narrowings: " + ", ".join(f"{q or '(cleared)'!r} {c * 1000:.1f} ms" for c, q in slowest))


# In the app ---------------------------------------------------------------------------------


def bench_app(tree: str) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    from tui.ui.app import LictreeApp
    from tui.ui.launch import listed_paths, start_listing_early
    from tui.ui.probe import Probe

    app = LictreeApp(tree, paths=listed_paths(start_listing_early(tree)), watch=False)
    app.probe = Probe()
    keys: list[float] = []
    typed: list[str] = []
    escapes: list[float] = []

    async def type_queries(pilot, costs: list[float], after_query) -> None:
        for query in QUERIES:
            for i, char in enumerate(query):
                before = time.process_time()
                await pilot.press(char if char != " " else "space")
                await pilot.pause()
                costs.append(time.process_time() - before)
                typed.append(query[: i + 1])
            await after_query(pilot)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            while not app.data.ready:
                await asyncio.sleep(0.01)
            await app.workers.wait_for_complete()
            await pilot.press("slash")
            await app.workers.wait_for_complete()  # the fully expanded layout
            await pilot.pause()
            gc.collect()

            async def clear(pilot) -> None:
                before = time.process_time()
                await pilot.press("escape")
                await pilot.pause()
                escapes.append(time.process_time() - before)
                await pilot.press("slash")
                await pilot.pause()

            await type_queries(pilot, keys, clear)
            for char in ERASED:
                await pilot.press(char)
            await pilot.pause()
            for i in range(len(ERASED)):
                before = time.process_time()
                await pilot.press("backspace")
                await pilot.pause()
                keys.append(time.process_time() - before)
                typed.append(ERASED[: len(ERASED) - i - 1] + "⌫")

    asyncio.run(run())
    in_app = [cost for _text, cost in app.probe.filter_costs]
    slowest_in_app = sorted(((cost, text) for text, cost in app.probe.filter_costs), reverse=True)[:5]
    slowest_keys = sorted(zip(keys, typed), reverse=True)[:5]

    class Floor(App):
        def compose(self) -> ComposeResult:
            yield Input()

    floor_app = Floor()
    floor: list[float] = []

    async def run_floor() -> None:
        async with floor_app.run_test(size=SIZE) as pilot:
            floor_app.query_one(Input).focus()
            await pilot.pause()

            async def clear(pilot) -> None:
                floor_app.query_one(Input).value = ""
                await pilot.pause()

            await type_queries(pilot, floor, clear)

    asyncio.run(run_floor())
    print()
    print(f"in the app ({SIZE[0]}x{SIZE[1]}, headless)")
    print(header())
    print(figures("in app: query change -> narrowed", in_app))
    print(figures("key: Pilot press + pause", keys))
    print(figures("floor: a key into a bare Input", floor))
    print(figures("Esc: clear, back to the tree", escapes))
    print("slowest in app: " + ", ".join(f"{t or '(cleared)'!r} {c * 1000:.1f} ms" for c, t in slowest_in_app))
    print("slowest keys: " + ", ".join(f"{t!r} {c * 1000:.1f} ms" for c, t in slowest_keys))


def main() -> int:
    import shutil
    import tempfile

    sys.path.insert(0, HERE)
    from _measure import add_tree_args, kernel_tree, smoke_tree

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_tree_args(parser)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-app", action="store_true")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="lictree-bench-filter-")
    try:
        if args.smoke:
            tree, args.repeat = smoke_tree(scratch), 1
            QUERIES[:] = QUERIES[:2]  # a few keys are enough to see that it works
        else:
            tree = kernel_tree(args.tree, "bench_filter")
        bench_model(tree, args.repeat)
        if not args.no_app:
            bench_app(tree)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\ngoal: <= {GOAL_MS:.0f} ms of CPU from keystroke to the narrowed tree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
