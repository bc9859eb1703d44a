"""Index a whole kernel tree cold and warm, and run the kernel's scripts/spdxcheck.py on the same
tree in the same run; print wall time, peak RSS and the ratios.

    python3 tests/benchmarks/bench_index.py KERNEL_TREE [--repeat N]

Two floors are printed too, in the same run, to show what no Python code of lictree can go below:
`python -c pass` + `git diff-files` (what a warm run must do: start Python, and stat every file so
that no edit is missed) and a bare loop in two processes that only opens each file and reads what
the rules need (4 KiB heads, whole C bodies), without looking at the bytes (a cold run's reading).

"Cold" means lictree's cache is empty: before each cold run the bytes it reads are read once, untimed,
so that they are in the OS page cache as spdxcheck.py's are (it reads only the heads of files, and the
kernel of these machines evicts idle pages: a cold run could otherwise time the disk).

spdxcheck.py needs ply and GitPython (pip install ply GitPython).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _measure import compile_package, median_of, run_measured

GOALS = {"cold": 0.20, "warm": 0.05}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("tree")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--read-floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read_floor:
        read_floor(args.tree)
        return 0
    tree = os.path.abspath(args.tree)
    cache = tempfile.mkdtemp(prefix="lictree-bench-cache-")
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    lictree = [sys.executable, "-m", "tui.cli", "check", tree, "--fail-on", "never"]
    results: dict[str, list] = {"spdxcheck": [], "cold": [], "warm": [], "floor warm": [], "floor cold": []}
    compile_package()
    try:
        for _ in range(args.repeat):
            results["spdxcheck"].append(run_measured([sys.executable, "scripts/spdxcheck.py"], cwd=tree))
            shutil.rmtree(os.path.join(cache, "lictree"), ignore_errors=True)
            # "Cold" is lictree's cache, not the disk: the bytes it reads are put back in the OS page
            # cache first (spdxcheck.py reads only heads, and this machine evicts idle pages).
            run_measured([sys.executable, __file__, "--read-floor", tree])
            results["cold"].append(run_measured(lictree, env=env))
            results["warm"].append(run_measured(lictree, env=env))
            results["floor warm"].append(_plus(run_measured([sys.executable, "-c", "pass"]),
                                               run_measured(["git", "-C", tree, "diff-files", "--name-only"])))
            results["floor cold"].append(run_measured([sys.executable, __file__, "--read-floor", tree]))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if any(run[2] != 0 for run in results["spdxcheck"]):
        print("spdxcheck.py failed: is ply and GitPython installed?", file=sys.stderr)
        return 2
    base, base_rss, base_cpu = median_of(results["spdxcheck"])
    print(f"tree: {tree}  (median of {args.repeat} runs, {os.cpu_count()} cores)")
    print(f"{'':<10} {'wall s':>8} {'cpu s':>7} {'peak MB':>8} {'ratio':>7} {'goal':>6}")
    print(f"{'spdxcheck':<10} {base:8.3f} {base_cpu:7.3f} {base_rss:8.1f} {1:7.3f}")
    for name in ("cold", "warm", "floor cold", "floor warm"):
        wall, rss, cpu = median_of(results[name])
        ratio = wall / base
        verdict = ("ok" if ratio <= GOALS[name] else "MISSED") if name in GOALS else ""
        goal = f"{GOALS[name]:6.2f}" if name in GOALS else " " * 6
        print(f"{name:<10} {wall:8.3f} {cpu:7.3f} {rss:8.1f} {ratio:7.3f} {goal} {verdict}")
    return 0


def _plus(a: tuple, b: tuple) -> tuple:
    """Two runs one after the other: times add up, the peak is the larger."""
    return a[0] + b[0], max(a[1], b[1]), a[2] or b[2], a[3] + b[3]


def read_floor(tree: str) -> None:
    """Open every listed file and read what lictree reads, in two processes; nothing is parsed."""
    import subprocess
    from multiprocessing import get_context

    listed = subprocess.run(["git", "-C", tree, "ls-files", "-s", "-z"], capture_output=True, check=True).stdout
    paths = [r.partition(b"\t")[2] for r in listed.split(b"\0") if r[:6] in (b"100644", b"100755")]
    os.chdir(tree)
    with get_context("fork").Pool(2) as pool:
        pool.map(_read_some, [paths[i : i + 2000] for i in range(0, len(paths), 2000)])


def _read_some(paths: list[bytes]) -> int:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
    size = 0
    for path in paths:
        fd = os.open(path, flags)
        try:
            size += len(os.read(fd, os.fstat(fd).st_size + 1 if path.endswith(b".c") else 4096))
        finally:
            os.close(fd)
    return size


if __name__ == "__main__":
    raise SystemExit(main())
