"""Time every export format and a few typical filter queries on a real kernel tree, and run the
kernel's scripts/spdxcheck.py on the same tree in the same run for scale; print the figures.

    python3 tests/benchmarks/bench_export.py [KERNEL_TREE] [--repeat N] [--no-spdxcheck]

Exports are timed twice: in this process on an index already built (the export alone, wall and
CPU time including the SHA1 worker processes), and as the whole `lictree export` command with a
warm cache. Queries report CPU time (parse + match), the median of --repeat runs; the goal is
<= 50 ms. The tree is only read; reports go to a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from _measure import median_of, run_measured

ROOT = sys.path[0]

QUERIES = [
    "license:MIT",
    "license:GPL-2.0-only -status:valid",
    "class:dual",
    "status:untagged",
    "status:invalid,unreadable",
    "rule:LT100",
    "path:drivers/net",
    "path:drivers/*/Makefile",
    "ext:h",
    "usb",
    "-path:drivers status:untagged ext:c",
    "license:MIT path:drivers/gpu",
    'expr:"GPL-2.0 OR MIT"',
]
QUERY_GOAL_MS = 50.0
EXPORT_GOAL_S = 5.0


def cpu_now() -> float:
    """CPU seconds of this process and of its finished children (the SHA1 pool)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("tree", help="a Linux kernel tree (docs/kernel-tree.md)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-spdxcheck", action="store_true")
    args = parser.parse_args()
    tree = os.path.abspath(args.tree)
    cache = tempfile.mkdtemp(prefix="lictree-bench-cache-")
    out_dir = tempfile.mkdtemp(prefix="lictree-bench-export-")
    os.environ["XDG_CACHE_HOME"] = cache
    env = {**os.environ}
    try:
        return run(tree, args, env, out_dir)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out_dir, ignore_errors=True)


def run(tree: str, args: argparse.Namespace, env: dict, out_dir: str) -> int:
    from tui.core import export
    from tui.core.build import build_index
    from tui.core.counting import summarize
    from tui.core.query import complete, parse_query
    from tui.core.spdx import sha1_files

    print(f"tree: {tree}  (2 cores, shared; median of {args.repeat} runs)")
    if not args.no_spdxcheck:
        runs = [run_measured([sys.executable, "scripts/spdxcheck.py"], cwd=tree)]
        wall, rss, _cpu = median_of(runs)
        status = "" if runs[0][2] == 0 else f"  (exit {runs[0][2]}: is ply and GitPython installed?)"
        print(f"spdxcheck.py (for scale): {wall:.2f} s wall, {rss:.0f} MB{status}")

    start = time.perf_counter()
    index = build_index(tree)
    print(f"index (cold, then cached): {time.perf_counter() - start:.2f} s, {len(index)} files")
    index.position("")  # the path -> position map, built once per index
    start = time.perf_counter()
    sha1_files(index.root, index.paths)
    print(f"SHA1 of every file (SPDX checksums, 2 processes): {time.perf_counter() - start:.2f} s")

    print(f"\n{'export':<10} {'in-process s':>12} {'CPU s':>7} {'command s':>10} {'peak MB':>8} {'size MB':>8}")
    for fmt, suffix in export.FORMATS.items():
        target = os.path.join(out_dir, "report" + suffix)
        walls, cpus = [], []
        for _ in range(args.repeat):
            cpu, start = cpu_now(), time.perf_counter()
            export.write(index, fmt, target)
            walls.append(time.perf_counter() - start)
            cpus.append(cpu_now() - cpu)
        command = [sys.executable, "-m", "tui.cli", "export", tree, "--format", fmt, "-o", target]
        cmd_wall, cmd_rss, _cpu = median_of([run_measured(command, cwd=ROOT, env=env) for _ in range(args.repeat)])
        size = os.path.getsize(target) / 1e6
        wall = statistics.median(walls)
        verdict = "ok" if cmd_wall <= EXPORT_GOAL_S else "SLOW"
        print(f"{fmt:<10} {wall:12.2f} {statistics.median(cpus):7.2f} {cmd_wall:10.2f} {cmd_rss:8.0f} {size:8.2f}"
              f"  {verdict}")

    print(f"\n{'query':<42} {'files':>7} {'CPU ms':>7}  goal {QUERY_GOAL_MS:.0f} ms")
    worst = 0.0
    for text in QUERIES:
        times = []
        for _ in range(max(args.repeat, 5)):
            start = time.process_time()
            found = parse_query(text).matches(index)
            times.append((time.process_time() - start) * 1000)
        ms = statistics.median(times)
        worst = max(worst, ms)
        print(f"{text:<42} {len(found):7} {ms:7.1f}  {'ok' if ms <= QUERY_GOAL_MS else 'MISSED'}")
    for label, fn in (
        ("summarize(all files)", lambda: summarize(index)),
        ("summarize(path:drivers)", lambda: summarize(index, parse_query("path:drivers").matches(index))),
        ("complete('license:gp')", lambda: complete("license:gp", index.catalog, index)),
        ("complete('path:drivers/net/')", lambda: complete("path:drivers/net/", index.catalog, index)),
    ):
        times = []
        for _ in range(max(args.repeat, 5)):
            start = time.process_time()
            fn()
            times.append((time.process_time() - start) * 1000)
        print(f"{label:<42} {'':>7} {statistics.median(times):7.1f}")
    print(f"slowest query: {worst:.1f} ms CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
