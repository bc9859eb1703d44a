"""Index generated kernel-like trees of growing size; print wall time, peak RSS and per-file growth.

    python3 tests/benchmarks/bench_scale.py [--sizes 10000,100000,300000] [--git-sizes 100000]
                                            [--spdxcheck KERNEL/scripts/spdxcheck.py] [--keep]
    python3 tests/benchmarks/bench_scale.py --smoke      # tiny trees, one repeat: does the bench work

Each tree is generated in /tmp (deterministic: seeded), read once unmeasured (so that every run finds it
in the page cache), then `python3 -m tui.cli check TREE` is run cold with --no-cache, once more to write
the cache (cold+save), and warm (cache hit), --repeat times each (median wall time, largest peak RSS). A size listed in
--git-sizes is also measured as a committed git tree, and there spdxcheck.py (when given and ply and
GitPython are installed) is run on the same tree for comparison. Trees are removed afterwards unless
--keep. Goals: time linear in the number of files, and at most 1 KB of peak RSS per extra file.

Peak RSS is ru_maxrss from wait4: the largest single process (the main process; the fork workers
share its pages), in MB.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _measure import DEMO, REPO, TREE_VARIABLE, median_of, run_measured, with_notice_index

TOP = ["arch", "drivers", "fs", "net", "sound", "include", "tools", "kernel", "lib", "mm", "Documentation",
       "security", "crypto", "block", "samples", "virt", "io_uring", "ipc", "init"]
WORDS = ["net", "ethernet", "intel", "gpu", "drm", "amd", "display", "dc", "arm64", "boot", "dts", "linux",
         "soc", "codecs", "ext4", "btrfs", "xfs", "selftests", "bpf", "usb", "host", "gadget", "media", "i2c",
         "spi", "pci", "pinctrl", "clk", "phy", "iio", "hid", "input", "touchscreen", "wireless", "ath", "mlx5",
         "core", "common", "platform", "x86", "powerpc", "mips", "riscv", "kvm", "mm", "staging", "firmware",
         "nvme", "scsi", "ata", "mmc", "mtd", "nand", "rtc", "watchdog", "thermal", "power", "supply", "leds",
         "bindings", "uapi", "asm", "generic", "trace", "events", "crypto", "tty", "serial", "video", "fbdev"]
#: (weight, suffix, comment template); the template gets the expression.
KINDS = [
    (45, ".c", "// SPDX-License-Identifier: {}\n"),
    (30, ".h", "/* SPDX-License-Identifier: {} */\n"),
    (5, ".yaml", "# SPDX-License-Identifier: {}\n%YAML 1.2\n"),
    (4, ".rst", ".. SPDX-License-Identifier: {}\n\n"),
    (3, "Makefile", "# SPDX-License-Identifier: {}\n"),
    (3, "Kconfig", "# SPDX-License-Identifier: {}\n"),
    (2, ".S", "/* SPDX-License-Identifier: {} */\n"),
    (1, ".sh", "#!/bin/sh\n# SPDX-License-Identifier: {}\n"),
    (1, ".py", "#!/usr/bin/env python3\n# SPDX-License-Identifier: {}\n"),
    (6, ".txt", "SPDX-License-Identifier: {}\n"),
]
#: (weight, expression): roughly the 6.12 mix; None is an untagged file; the last three are invalid.
EXPRESSIONS = [
    (600, "GPL-2.0"), (80, "GPL-2.0-only"), (50, "GPL-2.0+"), (40, "GPL-2.0-or-later"),
    (30, "GPL-2.0 WITH Linux-syscall-note"), (30, "GPL-2.0 OR MIT"), (20, "GPL-2.0 OR BSD-3-Clause"),
    (20, "MIT"), (10, "BSD-3-Clause"), (10, "LGPL-2.1"), (5, "(GPL-2.0+ WITH Linux-syscall-note) OR MIT"),
    (80, None), (4, "GPL-2.0 OR MIT OR BSD-3-Clause"), (3, "GPLv2"), (2, "GPL-2.0 WITH Linux-syscall-note OR MIT"),
]


def _pick(rng: random.Random, table: list[tuple]) -> tuple:
    return rng.choices(table, weights=[row[0] for row in table])[0]


def generate(root: str, files: int, seed: int = 6) -> tuple[float, int]:
    """Write a kernel-like tree of *files* files (plus LICENSES/, COPYING, scripts/spdxexclude); returns (mean, max directory depth)."""
    rng = random.Random(seed)
    shutil.copytree(os.path.join(DEMO, "LICENSES"), os.path.join(root, "LICENSES"))
    shutil.copy(os.path.join(DEMO, "COPYING"), root)
    os.mkdir(os.path.join(root, "scripts"))
    shutil.copy(os.path.join(DEMO, "scripts", "spdxexclude"), os.path.join(root, "scripts"))
    dirs = [(name, 1) for name in TOP]
    for name, _depth in dirs:
        os.mkdir(os.path.join(root, name))
    wanted_dirs = max(len(TOP), files // 15)  # the kernel has ~15 files a directory
    used = {name for name, _d in dirs}
    while len(dirs) < wanted_dirs:
        parent, depth = rng.choice(dirs)
        while depth > 1 and rng.random() < 0.45:  # climb: keeps the mean depth near the kernel's 3.8
            parent, depth = parent.rpartition("/")[0], depth - 1
        if depth >= 13:
            continue
        name = f"{parent}/{rng.choice(WORDS)}"
        if name in used:
            name += f"-{len(used) % 97}"
            if name in used:
                continue
        used.add(name)
        os.mkdir(os.path.join(root, name))
        dirs.append((name, depth + 1))
    depths = []
    for i in range(files):
        directory, depth = rng.choice(dirs)
        _w, suffix, template = _pick(rng, KINDS)
        stem = suffix if not suffix.startswith(".") else f"{rng.choice(WORDS)}_{rng.choice(WORDS)}{suffix}"
        rel = f"{directory}/{i}-{stem}" if not suffix.startswith(".") else f"{directory}/{stem[:-len(suffix)]}{i}{suffix}"
        expression = _pick(rng, EXPRESSIONS)[1]
        head = template.format(expression) if expression else ("#!/bin/sh\n" if suffix == ".sh" else "")
        body = "".join(f"int {rng.choice(WORDS)}_{n};\n" for n in range(rng.randint(3, 20)))
        if suffix == ".c" and rng.random() < 0.1:
            body += 'MODULE_LICENSE("GPL");\n'
        with open(os.path.join(root, rel), "w") as handle:
            handle.write(head + "/*\n * Copyright (C) someone\n */\n" + body)
        depths.append(depth)
    return sum(depths) / len(depths), max(depths)


def make_git(root: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@b"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "generated"]):
        subprocess.run(["git", "-C", root, *args], check=True, env=env, stdout=subprocess.DEVNULL)


def measure(tree: str, cache: str, repeat: int) -> dict[str, tuple[float, float, int]]:
    """Median wall time and largest peak RSS of each run; the page cache is filled first, unmeasured."""
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    with_notice_index(env, cache)
    check = [sys.executable, "-m", "tui.cli", "check", tree, "--fail-on", "never"]
    run_measured([*check, "--no-cache"], cwd=REPO, env=env)
    runs: dict[str, list[tuple[float, float, int, float]]] = {"cold": [], "cold+save": [], "warm": []}
    for _ in range(repeat):
        shutil.rmtree(os.path.join(cache, "lictree"), ignore_errors=True)
        runs["cold"].append(run_measured([*check, "--no-cache"], cwd=REPO, env=env))
        runs["cold+save"].append(run_measured(check, cwd=REPO, env=env))
        runs["warm"].append(run_measured(check, cwd=REPO, env=env))
    return {name: _summarise(results) for name, results in runs.items()}


def _summarise(results: list[tuple[float, float, int, float]]) -> tuple[float, float, int]:
    wall, rss, _cpu = median_of(results)
    return wall, rss, max(run[2] for run in results)


def _kernel_spdxcheck() -> str:
    script = os.path.join(os.environ.get(TREE_VARIABLE, ""), "scripts", "spdxcheck.py")
    return script if os.environ.get(TREE_VARIABLE) and os.path.isfile(script) else ""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,300000")
    parser.add_argument("--git-sizes", default="100000", help="sizes also measured as a git tree ('' for none)")
    parser.add_argument("--spdxcheck", default=_kernel_spdxcheck(),
                        help=f"the kernel's spdxcheck.py (default: the one in ${TREE_VARIABLE}, if set)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind (median wall, largest RSS)")
    parser.add_argument("--keep", action="store_true", help="keep the generated trees")
    parser.add_argument("--smoke", action="store_true", help="trees of 300 and 600 files, one repeat")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.git_sizes, args.repeat = "300,600", "300", 1
    sizes = [int(s) for s in args.sizes.split(",") if s]
    git_sizes = {int(s) for s in args.git_sizes.split(",") if s}
    cache = tempfile.mkdtemp(prefix="lictree-scale-cache-")
    rows: list[tuple[str, int, str, float, float]] = []
    print(f"{'tree':<8} {'files':>7} {'run':<10} {'wall s':>7} {'peak MB':>8} {'us/file':>8} {'exit':>4}")
    try:
        for size in sizes:
            for kind in ("plain", "git") if size in git_sizes else ("plain",):
                tree = tempfile.mkdtemp(prefix=f"lictree-scale-{size}-{kind}-", dir="/tmp")
                try:
                    start = time.perf_counter()
                    mean_depth, max_depth = generate(tree, size)
                    if kind == "git":
                        make_git(tree)
                    took = time.perf_counter() - start
                    print(f"# {tree}: {size} files, depth mean {mean_depth:.1f} max {max_depth}, made in {took:.0f} s")
                    results = measure(tree, cache, args.repeat)
                    if kind == "git" and args.spdxcheck:
                        shutil.copy(args.spdxcheck, os.path.join(tree, "scripts", "spdxcheck.py"))
                        script = [sys.executable, "scripts/spdxcheck.py"]
                        results["spdxcheck"] = _summarise([run_measured(script, cwd=tree) for _ in range(args.repeat)])
                    for run, (wall, rss, code) in results.items():
                        total = size + 13  # LICENSES/, COPYING, scripts/spdxexclude
                        print(f"{kind:<8} {size:>7} {run:<10} {wall:7.2f} {rss:8.1f} {wall / total * 1e6:8.1f} {code:>4}")
                        rows.append((kind, size, run, wall, rss))
                finally:
                    if args.keep:
                        print(f"# kept {tree}")
                    else:
                        shutil.rmtree(tree, ignore_errors=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print_growth(rows)
    return 0


def print_growth(rows: list[tuple[str, int, str, float, float]]) -> None:
    """Per-file growth between consecutive sizes: time per extra file and KB of RSS per extra file."""
    print("\ngrowth between sizes (goal: flat us/file, <= 1 KB/file)")
    print(f"{'tree':<8} {'run':<10} {'from':>7} {'to':>7} {'us/file':>8} {'KB/file':>8}")
    for kind in ("plain", "git"):
        for run in ("cold", "cold+save", "warm"):
            series = sorted((size, wall, rss) for k, size, r, wall, rss in rows if k == kind and r == run)
            for (n0, w0, m0), (n1, w1, m1) in itertools.pairwise(series):
                per_file_us = (w1 - w0) / (n1 - n0) * 1e6
                per_file_kb = (m1 - m0) * 1024 / (n1 - n0)
                verdict = "ok" if per_file_kb <= 1.0 else "OVER"
                print(f"{kind:<8} {run:<10} {n0:>7} {n1:>7} {per_file_us:8.1f} {per_file_kb:8.2f} {verdict}")


if __name__ == "__main__":
    raise SystemExit(main())
