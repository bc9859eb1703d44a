"""Every export format as a whole `lictree export` command, cold and warm, with the kernel's
scripts/spdxcheck.py run on the same tree in the same run; then each export alone (in this process, on
an index already built) and a few typical filter queries.

    python3 tests/benchmarks/bench_export.py [KERNEL_TREE] [--repeat N] [--formats json,csv,...]
    python3 tests/benchmarks/bench_export.py --smoke      # a tiny tree, one repeat: does the bench work

KERNEL_TREE defaults to $LICTREE_KERNEL_TREE; without either the bench says so and exits 2.

"Cold" is as in bench_index.py: lictree's cache is empty, and the bytes a run reads are read once
before it, untimed (the heads and C files lictree reads; for the SPDX formats, which hash every
file, every file whole), so that the OS page cache holds them as it holds spdxcheck.py's. "Warm":
the same command again on the unchanged tree. Reports go to a temporary directory; the tree is only
read. Queries report CPU time (parse + match), the median of --repeat runs; the goal is <= 50 ms.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from _measure import (
    REPO,
    add_tree_args,
    compile_package,
    kernel_tree,
    median_of,
    run_measured,
    smoke_tree,
    with_notice_index,
)

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
#: Goals as a share of spdxcheck.py's wall time in the same run.
GOALS = {"cold": 0.30, "warm": 0.05}
HERE = os.path.dirname(os.path.abspath(__file__))


def cpu_now() -> float:
    """CPU seconds of this process and of its finished children (the SHA1 pool)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    from tui.core import export

    parser = argparse.ArgumentParser()
    add_tree_args(parser)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default=",".join(export.FORMATS), help="comma-separated export formats")
    parser.add_argument("--read-all", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read_all:
        read_all(args.tree)
        return 0
    formats = [f for f in args.formats.split(",") if f]
    if any(f not in export.FORMATS for f in formats):
        parser.error(f"--formats: choose among {', '.join(export.FORMATS)}")
    scratch = tempfile.mkdtemp(prefix="lictree-bench-export-")
    try:
        if args.smoke:
            tree, repeat = smoke_tree(scratch), 1
        else:
            tree, repeat = kernel_tree(args.tree, "bench_export"), args.repeat
        out_dir = os.path.join(scratch, "out")
        os.mkdir(out_dir)
        env = {**os.environ, "XDG_CACHE_HOME": os.path.join(scratch, "cache")}
        os.environ["XDG_CACHE_HOME"] = env["XDG_CACHE_HOME"]
        with_notice_index(env, scratch)  # built once, not by every cold run
        code = commands(tree, formats, repeat, env, out_dir)
        in_process(tree, formats, repeat, out_dir, queries=QUERIES[:3] if args.smoke else QUERIES)
        return code
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def commands(tree: str, formats: list[str], repeat: int, env: dict, out_dir: str) -> int:
    """Each format's `lictree export`, cold and warm, and spdxcheck.py in the same run."""
    from tui.core import export

    compile_package()
    runs: dict[str, list] = {"spdxcheck": []}
    for _ in range(repeat):
        runs["spdxcheck"].append(run_measured([sys.executable, "scripts/spdxcheck.py"], cwd=tree))
        for fmt in formats:
            target = os.path.join(out_dir, "report" + export.FORMATS[fmt])
            command = [sys.executable, "-m", "tui.cli", "export", tree, "--format", fmt, "-o", target]
            shutil.rmtree(os.path.join(env["XDG_CACHE_HOME"], "lictree"), ignore_errors=True)
            if fmt.startswith("spdx-"):  # these hash every file: every file is put in the page cache
                run_measured([sys.executable, __file__, "--read-all", tree])
            else:
                run_measured([sys.executable, os.path.join(HERE, "bench_index.py"), "--read-floor", tree])
            runs.setdefault(f"{fmt} cold", []).append(run_measured(command, cwd=REPO, env=env))
            runs.setdefault(f"{fmt} warm", []).append(run_measured(command, cwd=REPO, env=env))
            runs.setdefault(f"{fmt} size", []).append(os.path.getsize(target) / 1e6)
    if any(run[2] != 0 for run in runs["spdxcheck"]):
        print("spdxcheck.py failed: is ply and GitPython installed?", file=sys.stderr)
        return 2
    base, base_rss, base_cpu = median_of(runs["spdxcheck"])
    print(f"tree: {tree}  (median of {repeat} runs, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end)")
    print(f"{'':<16} {'wall s':>8} {'cpu s':>7} {'peak MB':>8} {'ratio':>7} {'goal':>6}")
    print(f"{'spdxcheck':<16} {base:8.3f} {base_cpu:7.3f} {base_rss:8.1f} {1:7.3f}")
    failed = []
    for fmt in formats:
        for kind in ("cold", "warm"):
            name = f"{fmt} {kind}"
            if any(run[2] for run in runs[name]):
                failed.append(name)
            wall, rss, cpu = median_of(runs[name])
            ratio = wall / base
            verdict = "ok" if ratio <= GOALS[kind] else "MISSED"
            print(f"{name:<16} {wall:8.3f} {cpu:7.3f} {rss:8.1f} {ratio:7.3f} {GOALS[kind]:6.2f} {verdict}"
                  + (f"   {statistics.median(runs[f'{fmt} size']):.2f} MB written" if kind == "cold" else ""))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def read_all(tree: str) -> None:
    """Read every listed file whole, in two processes (what hashing reads): nothing is timed."""
    from multiprocessing import get_context

    listed = subprocess.run(["git", "-C", tree, "ls-files", "-z"], capture_output=True, check=True).stdout
    paths = [p for p in listed.split(b"\0") if p]
    os.chdir(tree)
    with get_context("fork").Pool(2) as pool:
        pool.map(_read_whole, [paths[i : i + 2000] for i in range(0, len(paths), 2000)])


def _read_whole(paths: list[bytes]) -> int:
    size = 0
    for path in paths:
        try:
            with open(path, "rb") as handle:
                while block := handle.read(1 << 20):
                    size += len(block)
        except OSError:
            pass
    return size


def in_process(tree: str, formats: list[str], repeat: int, out_dir: str, queries: list[str]) -> None:
    """Each export alone, on an index already built (wall and CPU, the SHA1 processes included), and queries."""
    from tui.core import export
    from tui.core.build import build_index
    from tui.core.counting import summarize
    from tui.core.query import complete, parse_query
    from tui.core.spdx import sha1_files

    index = build_index(tree)
    index.position("")  # the path -> position map, built once per index
    start = time.perf_counter()
    sha1_files(index.root, index.paths)
    print(f"\nSHA1 of every file (SPDX checksums, 2 processes): {time.perf_counter() - start:.2f} s")
    print(f"{'export alone':<12} {'wall s':>8} {'CPU s':>7}")
    for fmt in formats:
        target = os.path.join(out_dir, "alone" + export.FORMATS[fmt])
        walls, cpus = [], []
        for _ in range(repeat):
            cpu, start = cpu_now(), time.perf_counter()
            export.write(index, fmt, target)
            walls.append(time.perf_counter() - start)
            cpus.append(cpu_now() - cpu)
        print(f"{fmt:<12} {statistics.median(walls):8.2f} {statistics.median(cpus):7.2f}")

    print(f"\n{'query':<42} {'files':>7} {'CPU ms':>7}  goal {QUERY_GOAL_MS:.0f} ms")
    worst = 0.0
    for text in queries:
        times = []
        for _ in range(max(repeat, 5)):
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
        for _ in range(max(repeat, 5)):
            start = time.process_time()
            fn()
            times.append((time.process_time() - start) * 1000)
        print(f"{label:<42} {'':>7} {statistics.median(times):7.1f}")
    print(f"slowest query: {worst:.1f} ms CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
