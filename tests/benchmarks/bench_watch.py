"""The UI following changes on disk, on a copy of a whole kernel tree (the original is never written).

    python3 tests/benchmarks/bench_watch.py [KERNEL_TREE] [--edits 30] [--storm 10000]
    python3 tests/benchmarks/bench_watch.py --smoke      # a tiny tree, 3 edits, small storms: does it work

KERNEL_TREE defaults to $LICTREE_KERNEL_TREE; without either the bench says so and exits 2.

Copies KERNEL_TREE to a temporary directory (removed at the end), opens lictree on it headless
(160x48, its own empty cache) and, once it watches, prints:
- edit to redrawn: from the write of a file whose row is on screen to the screen refresh that shows
  its new verdict (in-app perf_counter times), median and p95 over --edits edits, split into
  write -> batch received from the watch process -> applied (in a thread) -> redrawn;
- the longest event-loop stall (lateness of a 10 ms timer inside the app) from the index being
  ready until the watcher runs (its process set up, what changed since the start caught up);
- two storms: --storm files rewritten by another process (every 10th tag made invalid), then
  ``git checkout -- .`` putting them back (a real checkout of as many files); then LICENSES/preferred/MIT
  deleted and put back (every file using MIT, every invalid and untagged file is read again): batches,
  the longest stall during each and while idle, the time from its start until the index is
  consistent again, and a check that the index then equals a fresh ``build_index`` of the tree;
- with every directory expanded, files added at the top, in a big directory and in a new one:
  write to redrawn and the longest stall;
- RSS of the app's process and of the watch process, before and after;
- for scale, what re-checking costs without a watcher: spdxcheck.py and a warm ``lictree check``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, REPO)
sys.path.insert(0, HERE)

from _measure import add_tree_args, kernel_tree, run_measured, smoke_tree, with_notice_index  # noqa: E402

from tui.ui.probe import WatchTiming  # noqa: E402

SIZE = (160, 48)
TICK = 0.01
GOALS = {"edit": 0.300, "stall": 0.100}

#: The storm's writer, run as its own process: rewrites the files listed on stdin.
WRITER = r"""
import sys
paths = sys.stdin.read().split("\0")[:-1]
for n, path in enumerate(paths):
    with open(path, "rb") as handle:
        data = handle.read()
    if n % 10 == 0:
        data = data.replace(b"SPDX-License-Identifier: ", b"SPDX-License-Identifier: Bogus-1.0 OR ", 1)
    else:
        data += b"\n"
    with open(path, "wb") as handle:
        handle.write(data)
"""


def rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def watch_process_pid() -> int | None:
    me = str(os.getpid())
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                ppid = handle.read().rpartition(")")[2].split()[1]
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        if ppid == me and b"tui.ui.watch_process" in cmdline:
            return int(name)
    return None


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Stalls:
    """A 10 ms timer inside the app; the longest lateness of a tick is the longest event-loop stall."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0

    def tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - TICK)
        self.last = now

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0


def same_as_fresh(index) -> str:
    from tui.core.build import build_index

    fresh = build_index(index.root, use_cache=False)
    checks = {
        "paths": index.paths == fresh.paths,
        "status": index.status == fresh.status,
        "exprs": index.exprs == fresh.exprs,
        "lines": list(index.lines) == list(fresh.lines),
        "findings": index.findings == fresh.findings,
    }
    mine, theirs = index.dirs(), fresh.dirs()
    checks["dirs"] = set(mine) == set(theirs) and all(
        (mine[d].files, +mine[d].statuses, +mine[d].licenses, mine[d].problems, mine[d].findings)
        == (s.files, +s.statuses, +s.licenses, s.problems, s.findings) for d, s in theirs.items())
    bad = [name for name, ok in checks.items() if not ok]
    if not bad:
        return "yes"
    extra, missing = sorted(set(index.paths) - set(fresh.paths)), sorted(set(fresh.paths) - set(index.paths))
    wrong = [p for p in index.paths if fresh.position(p) is not None and index.get(p) != fresh.get(p)]
    return (f"NO ({', '.join(bad)}; {len(extra)} extra, e.g. {extra[:3]}; {len(missing)} missing, e.g. "
            f"{missing[:3]}; {len(wrong)} differ, e.g. {wrong[:3]})")


async def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def measure_edits(app, pilot, tree: str, count: int) -> list[tuple[float, ...]]:
    """The stages (see ``WatchTiming``) of *count* edits, each of a file whose row is on screen."""
    index = app.data.index
    candidates = []
    for path in index.paths:
        if path.startswith("drivers/") and path.endswith(".c") and index.exprs[index.position(path)] == "GPL-2.0":
            candidates.append(path)
    step = max(1, len(candidates) // count)
    times = []
    for path in candidates[::step][:count]:
        app.tree.select_path(path)
        await wait_until(lambda p=path: app.detail.shown_key == p, 10, "the detail pane")
        await asyncio.sleep(0.05)
        full = os.path.join(tree, path)
        with open(full, "rb") as handle:
            data = handle.read().replace(b"GPL-2.0", b"GPL-2.0-onyl", 1)
        written = time.perf_counter()
        with open(full, "wb") as handle:
            handle.write(data)

        def shown(p: str = path, t: float = written) -> tuple | None:
            return next((e for e in app.probe.watch_log if e.redrawn > t and p in e.changed), None)

        await wait_until(shown, 10, f"{path} redrawn")
        timing = shown()
        row = app.tree.render_line(app.tree.cursor - app.tree.scroll_offset.y).text
        if "✗" not in row:
            raise SystemExit(f"the row of {path} does not show the new verdict: {row!r}")
        times.append((timing.received - written, timing.applied - timing.received,
                      timing.handling - timing.applied, timing.handled - timing.handling,
                      timing.redrawn - timing.handled))
    return times


async def measure_adds(app, tree: str, stalls: Stalls, count: int) -> tuple[list[float], float]:
    """Write to redrawn of *count* new files (at the top, in a big directory, in a new directory), with
    every directory expanded; and the longest stall meanwhile."""
    places = ("added-{n}.c", "drivers/net/added-{n}.c", "drivers/added-dir-{n}/x.c")
    times = []
    stalls.reset()
    for n in range(count):
        path = places[n % len(places)].format(n=n)
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        written = time.perf_counter()
        with open(full, "w") as handle:
            handle.write("// SPDX-License-Identifier: GPL-2.0\n")

        def shown(p: str = path, t: float = written) -> WatchTiming | None:
            return next((e for e in app.probe.watch_log if e.redrawn > t and p in e.changed), None)

        await wait_until(shown, 10, f"{path} shown")
        if app.tree.model.row_index(path, False) is None and app.tree.model.row_index(path.rpartition("/")[0], True) is None:
            raise SystemExit(f"{path} has no row")
        times.append(shown().redrawn - written)
        await asyncio.sleep(0.1)
    return times, stalls.worst


async def storm(app, stalls: Stalls, argv: list[str], stdin: bytes, cwd: str, quiet: float = 2.0) -> dict:
    """Run a storm in another process; wait until the app was idle for *quiet* seconds after it ended."""
    stalls.reset()
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(*argv, cwd=cwd, stdin=asyncio.subprocess.PIPE)
    await proc.communicate(stdin)
    written = time.perf_counter()
    last = written
    while time.perf_counter() - last < quiet:
        if app.watch_busy:
            last = time.perf_counter()
        entries = [e for e in app.probe.watch_log if e.received >= started]
        last = max([last, *(e.redrawn for e in entries)])
        await asyncio.sleep(0.05)
    entries = [e for e in app.probe.watch_log if e.received >= started]
    worst = stalls.worst  # up to `quiet` seconds of idle after the last update are included
    return {
        "writer": written - started,
        "batches": len(entries),
        "changed": sum(len(e.changed) for e in entries),
        "consistent": (max(e.redrawn for e in entries) - started) if entries else float("nan"),
        "stall": worst,
    }


async def run(tree: str, edits: int, storm_size: int) -> None:
    from tui.ui.app import LictreeApp
    from tui.ui.probe import Probe

    app = LictreeApp(tree)
    app.probe = Probe()
    stalls = Stalls()
    async with app.run_test(size=SIZE) as pilot:
        started = time.perf_counter()
        await wait_until(lambda: app.data.ready, 600, "the index")
        ready = time.perf_counter()
        app.set_interval(TICK, stalls.tick, name="stall-probe")
        stalls.reset()
        await wait_until(lambda: app.watching, 600, "the watcher")
        print(f"indexed after {ready - started:.1f} s ({len(app.data.index):,} files, cold); watching "
              f"{time.perf_counter() - ready:.2f} s later (watch process set up, changes since the start "
              f"caught up), longest stall meanwhile {stalls.worst * 1000:.0f} ms")
        await asyncio.sleep(1.0)
        rss_before, child_before = rss_mb(), rss_mb(watch_process_pid() or 0)
        stalls.reset()
        await asyncio.sleep(2.0)
        idle_stall = stalls.worst

        times = await measure_edits(app, pilot, tree, edits)
        total = [sum(t) for t in times]
        print(f"\nedit to redrawn, {len(times)} edits of a file whose row is on screen (goal <= "
              f"{GOALS['edit'] * 1000:.0f} ms):")
        print(f"  median {statistics.median(total) * 1000:6.1f} ms   p95 {p95(total) * 1000:6.1f} ms   "
              f"max {max(total) * 1000:6.1f} ms")
        for n, name in enumerate(("write -> batch received", "received -> applied", "applied -> handled",
                                  "handling the update", "handled -> redrawn")):
            part = [t[n] for t in times]
            print(f"  {name:<24} median {statistics.median(part) * 1000:6.1f} ms   p95 {p95(part) * 1000:6.1f} ms")
        await asyncio.sleep(0.5)

        index = app.data.index
        sources = [p for p in index.paths if p.endswith((".c", ".h"))]
        chosen = [sources[n * len(sources) // storm_size] for n in range(min(storm_size, len(sources)))]
        print(f"\nstorms (goal: longest stall <= {GOALS['stall'] * 1000:.0f} ms); idle stall "
              f"{idle_stall * 1000:.1f} ms")
        print(f"{'storm':<34} {'writer s':>8} {'batches':>7} {'changed':>8} {'stall ms':>8} {'consistent s':>12}"
              f"  equals a fresh index")
        rewrite = await storm(app, stalls, [sys.executable, "-c", WRITER], "".join(p + "\0" for p in chosen).encode(),
                              tree)
        fresh = await asyncio.to_thread(same_as_fresh, app.data.index)
        print(f"{f'{len(chosen):,} files rewritten':<34} {rewrite['writer']:8.2f} {rewrite['batches']:7} "
              f"{rewrite['changed']:8,} {rewrite['stall'] * 1000:8.1f} {rewrite['consistent']:12.2f}  {fresh}")
        checkout = await storm(app, stalls, ["git", "checkout", "--", "."], b"", tree)
        fresh = await asyncio.to_thread(same_as_fresh, app.data.index)
        print(f"{'git checkout -- . (puts them back)':<34} {checkout['writer']:8.2f} {checkout['batches']:7} "
              f"{checkout['changed']:8,} {checkout['stall'] * 1000:8.1f} {checkout['consistent']:12.2f}  {fresh}")

        for name, change in (("LICENSES/preferred/MIT deleted", ["rm", "LICENSES/preferred/MIT"]),
                             ("... and put back (git checkout)", ["git", "checkout", "--", "LICENSES/preferred/MIT"])):
            result = await storm(app, stalls, change, b"", tree)
            fresh = await asyncio.to_thread(same_as_fresh, app.data.index)
            print(f"{name:<34} {result['writer']:8.2f} {result['batches']:7} {result['changed']:8,} "
                  f"{result['stall'] * 1000:8.1f} {result['consistent']:12.2f}  {fresh}")

        await pilot.press("e")
        await asyncio.sleep(1.0)
        rows = len(app.tree.model.rows)
        adds, add_stall = await measure_adds(app, tree, stalls, 15)
        print(f"\nfiles added with every directory expanded ({rows:,} rows): write to redrawn median "
              f"{statistics.median(adds) * 1000:.1f} ms, max {max(adds) * 1000:.1f} ms; longest stall "
              f"{add_stall * 1000:.1f} ms")

        rss_after, child_after = rss_mb(), rss_mb(watch_process_pid() or 0)
        print(f"\nRSS: app {rss_before:.0f} MB before, {rss_after:.0f} MB after; "
              f"watch process {child_before:.0f} MB before, {child_after:.0f} MB after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_tree_args(parser)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--storm", type=int, default=10_000)
    args = parser.parse_args()
    if not args.smoke:
        args.tree = kernel_tree(args.tree, "bench_watch")
    scratch = tempfile.mkdtemp(prefix="lictree-bench-watch-")
    try:
        if args.smoke:
            args.tree, args.edits, args.storm = smoke_tree(os.path.join(scratch, "smoke")), 3, 20
        tree = os.path.join(scratch, "linux")
        print(f"copying {args.tree} to {tree} …", flush=True)
        subprocess.run(["cp", "-a", args.tree, tree], check=True)
        # The copy's files have new inodes and ctimes: let git re-hash them once, not in the checkout below.
        subprocess.run(["git", "-C", tree, "update-index", "-q", "--refresh"], check=False)
        # Debian's linux-source ignores every untracked file ("/*"): drop that (committed, so that the
        # checkout below keeps it), so that added files show.
        gitignore = os.path.join(tree, ".gitignore")
        with open(gitignore) as handle:
            rules = handle.read()
        with open(gitignore, "w") as handle:
            handle.write(rules.replace("\n/*\n!/debian/\n", "\n"))
        subprocess.run(["git", "-C", tree, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit",
                        "-qm", "show untracked files", ".gitignore"], check=True)
        env = {**os.environ, "XDG_CACHE_HOME": os.path.join(scratch, "cache")}
        os.environ["XDG_CACHE_HOME"] = env["XDG_CACHE_HOME"]
        with_notice_index(env, scratch)
        spdxcheck = run_measured([sys.executable, "scripts/spdxcheck.py"], cwd=tree, env=env)
        subprocess.run([sys.executable, "-m", "tui.cli", "check", tree], cwd=REPO, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # warms the cache
        check = run_measured([sys.executable, "-m", "tui.cli", "check", tree], cwd=REPO, env=env)
        print(f"re-checking without a watcher: spdxcheck.py {spdxcheck[0]:.2f} s, "
              f"lictree check (warm cache) {check[0]:.2f} s", flush=True)
        shutil.rmtree(env["XDG_CACHE_HOME"], ignore_errors=True)
        asyncio.run(run(tree, args.edits, args.storm))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
