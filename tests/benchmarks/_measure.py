"""Run a command, return its wall time and peak RSS (from wait4), for the benchmarks."""

from __future__ import annotations

import os
import statistics
import subprocess
import time


def run_measured(argv: list[str], cwd: str | None = None, env: dict | None = None) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS in MB, exit status, CPU seconds) of one run of *argv*, output discarded.

    CPU time (user + system, children included) is steadier than wall time on a busy machine.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024, proc.returncode, cpu


def median_of(runs: list[tuple[float, float, int, float]]) -> tuple[float, float, float]:
    """(median wall, max peak RSS, median CPU)."""
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs), statistics.median(r[3] for r in runs))


def compile_package() -> None:
    """Byte-compile tui/ as ``pip install`` does, so that every timed run loads .pyc files.

    With PYTHONDONTWRITEBYTECODE set (as in some sandboxes) an editable install would otherwise
    compile all of lictree's modules again in every run (~0.1 s of each one).
    """
    import sys

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.join(repo, "tui")], check=False,
                   stdout=subprocess.DEVNULL)

