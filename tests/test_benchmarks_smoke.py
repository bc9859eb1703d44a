"""Every benchmark runs, in its smoke mode (a tiny generated tree, one repeat), so that none rots
unseen; and one that needs a kernel tree it was not given says so and exits 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent / "benchmarks"
REPO = BENCHMARKS.parent.parent
SCRIPTS = sorted(p.name for p in BENCHMARKS.glob("bench_*.py"))
#: Those that measure a kernel tree they are given (bench_scale and bench_reuse generate their own trees).
NEED_A_TREE = [name for name in SCRIPTS if name not in ("bench_scale.py", "bench_reuse.py")]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LICTREE_KERNEL_TREE"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["TMPDIR"] = str(tmp_path)
    return env


def test_every_benchmark_is_covered():
    assert {"bench_index.py", "bench_export.py", "bench_scale.py", "bench_ui.py", "bench_filter.py",
            "bench_watch.py", "bench_diff.py", "bench_reuse.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_in_smoke_mode(script: str, tmp_path: Path):
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--smoke"], cwd=REPO, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "Traceback" not in done.stderr
    assert done.stdout.strip()  # it printed its figures
    left = [p.name for p in tmp_path.iterdir() if p.name != "cache"]
    assert left == [], f"{script} left {left} behind"


@pytest.mark.parametrize("script", NEED_A_TREE)
def test_benchmark_without_a_tree_says_so_and_exits_2(script: str, tmp_path: Path):
    done = subprocess.run([sys.executable, str(BENCHMARKS / script)], cwd=REPO, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "LICTREE_KERNEL_TREE" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
