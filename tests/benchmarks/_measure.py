"""Run a command, return its wall time and peak RSS (from wait4), for the benchmarks."""

from __future__ import annotations

import os
import statistics
import subprocess
import time


def run_measured(argv: list[str], cwd: str | None = None, env: dict | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of one run of *argv*, output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode


def median_of(runs: list[tuple[float, float, int]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)
