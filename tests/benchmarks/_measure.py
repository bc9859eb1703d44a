"""Run a command, return its wall time and peak RSS (from wait4), for the benchmarks."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
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



REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(REPO, "tui", "demo", "linux-demo")
TREE_VARIABLE = "LICTREE_KERNEL_TREE"

#: The smoke tree's stand-in for the kernel's scripts/spdxcheck.py: it only lists what it would check.
_STUB_SPDXCHECK = '''\
# SPDX-License-Identifier: GPL-2.0
"""A stand-in for the kernel's spdxcheck.py in the benchmarks' smoke tree: exits 0 at once."""
import subprocess
subprocess.run(["git", "ls-files"], stdout=subprocess.DEVNULL, check=False)
'''


def kernel_tree(given: str | None, prog: str) -> str:
    """The kernel tree to measure: *given* on the command line, else $LICTREE_KERNEL_TREE; without
    either (or when it is not a directory), a one-line message and exit status 2."""
    import sys

    tree = given or os.environ.get(TREE_VARIABLE, "")
    if not tree:
        print(f"{prog}: needs a kernel source tree: give its path as an argument or set {TREE_VARIABLE} "
              f"(or run with --smoke for a tiny tree)", file=sys.stderr)
        sys.exit(2)
    if not os.path.isdir(tree):
        print(f"{prog}: {tree}: not a directory", file=sys.stderr)
        sys.exit(2)
    return os.path.abspath(tree)


def smoke_tree(parent: str) -> str:
    """A tiny kernel-like git tree for a smoke run (the demo tree, committed, with a stand-in
    scripts/spdxcheck.py and a .gitignore) under *parent*; seconds, not minutes, for every bench."""
    import shutil

    tree = os.path.join(parent, "linux-smoke")
    shutil.copytree(DEMO, tree, symlinks=True)
    with open(os.path.join(tree, "scripts", "spdxcheck.py"), "w") as handle:
        handle.write(_STUB_SPDXCHECK)
    with open(os.path.join(tree, ".gitignore"), "w") as handle:
        handle.write("*.o\n/*\n!/debian/\n")  # as Debian's linux-source (bench_watch drops the last two)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@b"}
    for args in (["init", "-q"], ["add", "-A", "-f"], ["commit", "-qm", "smoke"]):
        subprocess.run(["git", "-C", tree, *args], check=True, env=env, stdout=subprocess.DEVNULL)
    return tree


def add_tree_args(parser: argparse.ArgumentParser) -> None:
    """The tree argument (optional: $LICTREE_KERNEL_TREE) and --smoke, common to every bench."""
    parser.add_argument("tree", nargs="?", help=f"a kernel source tree (default: ${TREE_VARIABLE})")
    parser.add_argument("--smoke", action="store_true",
                        help="a quick run on a tiny generated tree, one repeat: checks that the bench works")


def with_notice_index(env: dict, scratch: str) -> float:
    """Point *env* (and this process) at a licence-notice rule index of the bench's own, built now: it is
    built once per version of the rule data, not per tree, so a "cold" run (lictree's cache emptied)
    must not build it again. Returns the build's wall seconds (0 when it was there)."""
    where = os.path.join(scratch, "notice-index")
    env["LICTREE_NOTICE_INDEX_DIR"] = os.environ["LICTREE_NOTICE_INDEX_DIR"] = where
    return run_measured([sys.executable, "-c", "from tui.core.notices import index; index.ensure_built()"],
                        cwd=REPO, env=env)[0]

