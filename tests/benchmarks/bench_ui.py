"""The terminal UI on a whole kernel tree, against a naive Textual ``Tree`` holding the same files
(all expanded) and a trivial two-row Textual app (the framework's floor), in the same run.

    python3 tests/benchmarks/bench_ui.py [KERNEL_TREE] [--keys 300] [--repeat 3]
    python3 tests/benchmarks/bench_ui.py --smoke      # a tiny tree, one repeat, 5 keys: does the bench work

KERNEL_TREE defaults to $LICTREE_KERNEL_TREE; without either the bench says so and exits 2.

Prints, for each app at 160x48 (headless):
- launch to first usable tree (rows drawn and keys accepted) and, for lictree, to all colours
  (every verdict and directory count shown), cold (empty cache) and warm, median of --repeat
  launches; each launch is a fresh process timed from just before it was started;
- CPU time per cursor key with every directory expanded, measured two ways on every app: process
  CPU (time.process_time, all threads) around Pilot's press + pause, and with timestamps inside the
  app (from posting the key to the end of the screen refresh it causes), median and p95 over --keys
  presses. Pilot's wall time is mostly its own idle polling and is not used; its CPU includes that
  polling too (~0.1 ms per widget a key: lictree has ~20 widgets, the others ~4). For lictree also "key + detail": the cost of a key
  after which the detail pane is rebuilt (what a key costs when the cursor then rests);
- peak RSS of the app's process (ru_maxrss) at the end;
- for reference, `lictree check` on a cold cache (the core's whole index without any UI).
The machine is shared: the load average at the start and end is printed with the figures.
Every module is compiled to bytecode by a first, unmeasured launch (into a temporary
PYTHONPYCACHEPREFIX, never beside the sources), as an installed copy is: with PYTHONDONTWRITEBYTECODE
set, each launch would otherwise compile lictree's modules again (~0.1 s). --source measures that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SIZE = (160, 48)
GOALS = {"first": 0.5, "colours_cold": 1.5, "key_vs_floor": 2.0, "key_vs_naive": 0.5, "rss": 120.0}
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from _measure import add_tree_args, kernel_tree, run_measured, smoke_tree, with_notice_index  # noqa: E402

# Children: one app per process --------------------------------------------------------------


def _wall(mark: float) -> float:
    """A perf_counter() mark as wall-clock time."""
    return time.time() - (time.perf_counter() - mark)


async def _key_costs(pilot, keys: list[str]) -> list[float]:
    costs = []
    for key in keys:
        before = time.process_time()
        await pilot.press(key)
        await pilot.pause()
        costs.append(time.process_time() - before)
    return costs


async def _key_costs_in_app(app, keys: list[str]) -> list[float]:
    """Process CPU from posting each key to the app until the end of the screen refresh it causes
    (timestamps inside the app: no Pilot, whose idle polling costs ~0.1 ms per widget a key)."""
    from textual import events

    screen = app.screen
    refreshed = asyncio.Event()
    stamp = [0.0]
    real = screen._compositor_refresh

    def compositor_refresh() -> None:
        real()
        stamp[0] = time.process_time()
        refreshed.set()

    screen._compositor_refresh = compositor_refresh
    costs = []
    try:
        for key in keys:
            await asyncio.sleep(0.02)  # let timers and the previous key's follow-ups run first
            refreshed.clear()
            before = time.process_time()
            app.post_message(events.Key(key, None))
            await asyncio.wait_for(refreshed.wait(), 5)
            costs.append(stamp[0] - before)
    finally:
        screen._compositor_refresh = real
    return costs


def child_lictree(tree: str, t0: float, keys: int, launch_only: bool) -> dict:
    sys.path.insert(0, REPO)
    from tui.ui.launch import listed_paths, start_indexing_early

    indexing = start_indexing_early(tree, True)  # as `lictree PATH` does: git and indexing start before Textual loads
    from tui.ui.app import LictreeApp
    from tui.ui.probe import Probe

    app = LictreeApp(tree, paths=listed_paths(indexing.listing), watch=False, indexing=indexing)
    app.probe = Probe()
    result: dict = {}

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            while not app.probe.timings.get("all_colours"):
                await asyncio.sleep(0.002)
            result["first"] = _wall(app.probe.timings["first_rows"]) - t0
            result["colours"] = _wall(app.probe.timings["all_colours"]) - t0
            if launch_only:
                return
            while not app.data.ready:  # the index's own directory counts, made after all colours are shown
                await asyncio.sleep(0.01)
            await app.workers.wait_for_complete()
            await pilot.press("e")
            await pilot.pause(0.3)
            result["rows"] = len(app.tree.model.rows)
            await pilot.press("home")
            await pilot.pause(0.3)
            result["keys"] = await _key_costs(pilot, ["down"] * keys)
            await pilot.press("home")
            await pilot.pause(0.3)
            result["keys_in_app"] = await _key_costs_in_app(app, ["down"] * keys)
            await pilot.pause(0.3)
            detail = []
            for _ in range(30):
                before = time.process_time()
                await pilot.press("down")
                key = app.tree.cursor_row.key
                while app.detail.shown_key != key:
                    await asyncio.sleep(0.005)
                await pilot.pause()
                detail.append(time.process_time() - before)
            result["detail"] = detail
            result["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    asyncio.run(run())
    return result


def child_naive(tree: str, t0: float, keys: int, launch_only: bool) -> dict:
    sys.path.insert(0, REPO)
    from textual.app import App, ComposeResult
    from textual.widgets import Tree

    from tui.core.scan import list_files

    paths = list_files(tree).paths

    class NaiveTree(App):
        def compose(self) -> ComposeResult:
            yield Tree(os.path.basename(tree))

        def on_mount(self) -> None:
            widget = self.query_one(Tree)
            nodes = {"": widget.root}
            for path in paths:
                parent = ""
                for part in path.split("/")[:-1]:
                    key = f"{parent}/{part}" if parent else part
                    if key not in nodes:
                        nodes[key] = nodes[parent].add(part)
                    parent = key
                nodes[parent].add_leaf(path.rpartition("/")[2])
            widget.root.expand_all()
            widget.focus()
            self.call_after_refresh(self.mark)

        def mark(self) -> None:
            self.painted = time.perf_counter()

    app = NaiveTree()
    app.painted = 0.0
    result: dict = {}

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            while not app.painted:
                await asyncio.sleep(0.005)
            result["first"] = _wall(app.painted) - t0
            if launch_only:
                return
            result["rows"] = app.query_one(Tree).last_line + 1
            result["keys"] = await _key_costs(pilot, ["down"] * keys)
            await pilot.press("home")
            await pilot.pause(0.3)
            result["keys_in_app"] = await _key_costs_in_app(app, ["down"] * keys)
            result["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    asyncio.run(run())
    return result


def child_floor(tree: str, t0: float, keys: int, launch_only: bool) -> dict:
    from textual.app import App, ComposeResult
    from textual.widgets import OptionList

    class Floor(App):
        def compose(self) -> ComposeResult:
            yield OptionList("one", "two")

        def on_mount(self) -> None:
            self.query_one(OptionList).focus()
            self.call_after_refresh(self.mark)

        def mark(self) -> None:
            self.painted = time.perf_counter()

    app = Floor()
    app.painted = 0.0
    result: dict = {}

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            while not app.painted:
                await asyncio.sleep(0.002)
            result["first"] = _wall(app.painted) - t0
            if launch_only:
                return
            result["rows"] = 2
            result["keys"] = await _key_costs(pilot, ["down", "up"] * (keys // 2))
            result["keys_in_app"] = await _key_costs_in_app(app, ["down", "up"] * (keys // 2))
            result["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    asyncio.run(run())
    return result


CHILDREN = {"lictree": child_lictree, "naive": child_naive, "floor": child_floor}


# Parent -------------------------------------------------------------------------------------


def spawn(kind: str, tree: str, env: dict, keys: int, launch_only: bool) -> dict:
    argv = [sys.executable, os.path.abspath(__file__), "--child", kind, tree, "--keys", str(keys)]
    if launch_only:
        argv.append("--launch-only")
    t0 = time.time()
    done = subprocess.run([*argv, "--t0", repr(t0)], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_tree_args(parser)
    parser.add_argument("--keys", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--t0", type=float)
    parser.add_argument("--launch-only", action="store_true")
    parser.add_argument("--source", action="store_true", help="compile lictree's modules at every launch")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](os.path.abspath(args.tree), args.t0, args.keys, args.launch_only)))
        return 0

    cache = tempfile.mkdtemp(prefix="lictree-bench-ui-")
    if args.smoke:
        tree, args.repeat, args.keys = smoke_tree(cache), 1, 5
    else:
        try:
            tree = kernel_tree(args.tree, "bench_ui")
        except SystemExit:
            shutil.rmtree(cache, ignore_errors=True)
            raise
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    with_notice_index(env, cache)
    if not args.source:
        env["PYTHONPYCACHEPREFIX"] = os.path.join(cache, "pycache")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        cold, warm, floor_launch, check = [], [], [], []
        for kind in ("lictree", "floor"):  # writes the bytecode (and the index's cache, dropped below)
            spawn(kind, tree, env, 0, True)
        load = os.getloadavg()[0]
        for _ in range(args.repeat):
            shutil.rmtree(os.path.join(cache, "lictree"), ignore_errors=True)
            check.append(run_measured([sys.executable, "-m", "tui.cli", "check", tree, "--fail-on", "never"],
                                      cwd=REPO, env=env)[0])
            shutil.rmtree(os.path.join(cache, "lictree"), ignore_errors=True)
            cold.append(spawn("lictree", tree, env, 0, True))
            warm.append(spawn("lictree", tree, env, 0, True))
            floor_launch.append(spawn("floor", tree, env, 0, True))
        lictree = spawn("lictree", tree, env, args.keys, False)
        floor = spawn("floor", tree, env, args.keys, False)
        naive = spawn("naive", tree, env, args.keys, False)
    finally:
        shutil.rmtree(cache, ignore_errors=True)

    def med(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    ms = 1000
    floor_key = statistics.median(floor["keys"])
    naive_key = statistics.median(naive["keys"])
    print(f"tree: {tree}  ({SIZE[0]}x{SIZE[1]}, headless; launches: median of {args.repeat}; {args.keys} keys; "
          f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, {os.cpu_count()} cores; "
          f"{'compiled from source at each launch' if args.source else 'bytecode compiled beforehand'})")
    print(f"reference: `lictree check` on a cold cache (the core's whole index, no UI): "
          f"{statistics.median(check):.3f} s")
    print(f"{'':<22}{'first usable s':>15}{'all colours s':>15}{'rows':>8}{'key med ms':>12}{'key p95 ms':>12}"
          f"{'peak MB':>9}")
    print(f"{'floor (2-row app)':<22}{med(floor_launch, 'first'):>15.3f}{'':>15}{2:>8}"
          f"{floor_key * ms:>12.2f}{p95(floor['keys']) * ms:>12.2f}{floor['rss']:>9.1f}")
    print(f"{'naive Textual Tree':<22}{naive['first']:>15.3f}{'n/a':>15}{naive['rows']:>8}"
          f"{naive_key * ms:>12.2f}{p95(naive['keys']) * ms:>12.2f}{naive['rss']:>9.1f}")
    print(f"{'lictree cold cache':<22}{med(cold, 'first'):>15.3f}{med(cold, 'colours'):>15.3f}")
    print(f"{'lictree warm cache':<22}{med(warm, 'first'):>15.3f}{med(warm, 'colours'):>15.3f}"
          f"{lictree['rows']:>8}{statistics.median(lictree['keys']) * ms:>12.2f}{p95(lictree['keys']) * ms:>12.2f}"
          f"{lictree['rss']:>9.1f}")
    detail = lictree["detail"]
    print(f"{'lictree key + detail':<22}{'':>15}{'':>15}{'':>8}{statistics.median(detail) * ms:>12.2f}"
          f"{p95(detail) * ms:>12.2f}")
    print("key CPU measured inside each app (from posting the key to the end of the refresh it causes; no Pilot):")
    in_app = {name: statistics.median(run["keys_in_app"]) for name, run in
              (("floor", floor), ("naive", naive), ("lictree", lictree))}
    for name, run in (("floor (2-row app)", floor), ("naive Textual Tree", naive), ("lictree", lictree)):
        values = run["keys_in_app"]
        print(f"{name:<22}{'':>15}{'':>15}{'':>8}{statistics.median(values) * ms:>12.2f}{p95(values) * ms:>12.2f}")
    key = statistics.median(lictree["keys"])
    inside = in_app["lictree"]
    checks = [
        ("first usable (cold) <= 0.5 s", med(cold, "first") <= GOALS["first"]),
        ("all colours (cold) <= 1.5 s", med(cold, "colours") <= GOALS["colours_cold"]),
        (f"key median <= 2x floor ({key / floor_key:.2f}x)", key <= GOALS["key_vs_floor"] * floor_key),
        (f"key median <= 0.5x naive Tree ({key / naive_key:.2f}x)", key <= GOALS["key_vs_naive"] * naive_key),
        (f"key median inside the app <= 2x floor ({inside / in_app['floor']:.2f}x)",
         inside <= GOALS["key_vs_floor"] * in_app["floor"]),
        (f"key median inside the app <= 0.5x naive Tree ({inside / in_app['naive']:.2f}x)",
         inside <= GOALS["key_vs_naive"] * in_app["naive"]),
        ("peak RSS <= 120 MB", lictree["rss"] <= GOALS["rss"]),
    ]
    for text, ok in checks:
        print(f"  {'ok    ' if ok else 'MISSED'} {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
