"""Index a whole kernel tree cold and warm, and run the kernel's scripts/spdxcheck.py on the same
tree in the same run; print wall time, peak RSS and the ratios.

    python3 tests/benchmarks/bench_index.py KERNEL_TREE [--repeat N]

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
    args = parser.parse_args()
    tree = os.path.abspath(args.tree)
    cache = tempfile.mkdtemp(prefix="lictree-bench-cache-")
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    lictree = [sys.executable, "-m", "tui.cli", "check", tree, "--fail-on", "never"]
    results: dict[str, list] = {"spdxcheck": [], "cold": [], "warm": []}
    compile_package()
    try:
        for _ in range(args.repeat):
            results["spdxcheck"].append(run_measured([sys.executable, "scripts/spdxcheck.py"], cwd=tree))
            shutil.rmtree(os.path.join(cache, "lictree"), ignore_errors=True)
            results["cold"].append(run_measured(lictree, env=env))
            results["warm"].append(run_measured(lictree, env=env))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if any(run[2] != 0 for run in results["spdxcheck"]):
        print("spdxcheck.py failed: is ply and GitPython installed?", file=sys.stderr)
        return 2
    base, base_rss, base_cpu = median_of(results["spdxcheck"])
    print(f"tree: {tree}  (median of {args.repeat} runs, {os.cpu_count()} cores)")
    print(f"{'':<10} {'wall s':>8} {'cpu s':>7} {'peak MB':>8} {'ratio':>7} {'goal':>6}")
    print(f"{'spdxcheck':<10} {base:8.3f} {base_cpu:7.3f} {base_rss:8.1f} {1:7.3f}")
    for name in ("cold", "warm"):
        wall, rss, cpu = median_of(results[name])
        ratio = wall / base
        verdict = "ok" if ratio <= GOALS[name] else "MISSED"
        print(f"{name:<10} {wall:8.3f} {cpu:7.3f} {rss:8.1f} {ratio:7.3f} {GOALS[name]:6.2f} {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
