"""`lictree check` on a REUSE tree against `reuse lint` on the same tree, in the same run.

    python3 tests/benchmarks/bench_reuse.py [--files 5000] [--repeat 3] [--keep]
    python3 tests/benchmarks/bench_reuse.py --smoke      # a tiny tree, one repeat: does the bench work

A REUSE tree of --files files is generated in a temporary directory (deterministic: seeded) and committed
with git, as a real project is: source files of several languages with their SPDX header (some with two
tags, some with a tag deep in the file, some in ignore blocks), binary files with .license sidecars, a
docs/ folder annotated by REUSE.toml, LICENSES/<id>.txt with a LicenseRef. The tree is read once unmeasured
(page cache). Then, --repeat times each: `reuse lint` (reuse's own parallel lint, the reference), lictree
cold (an empty cache directory), and lictree warm (the cache filled by a run before). Goals (issue 14):
cold <= 0.2x and warm <= 0.05x reuse lint's wall time. Both must find the tree compliant (exit 0).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _measure import REPO, compile_package, median_of, run_measured

LICENCES = ("MIT", "Apache-2.0", "GPL-3.0-or-later", "CC0-1.0", "BSD-3-Clause", "LicenseRef-acme-proprietary")
#: (weight, suffix, comment prefix, comment suffix)
KINDS = [(40, ".py", "# ", ""), (25, ".c", "/* ", " */"), (15, ".js", "// ", ""), (8, ".html", "<!-- ", " -->"),
         (6, ".sh", "# ", ""), (6, ".rs", "// ", "")]
WORDS = ["core", "util", "net", "io", "model", "view", "parser", "render", "config", "api", "cli", "db", "auth",
         "cache", "http", "test", "fixtures", "plugins", "widgets", "themes"]


def _body(rng: random.Random, prefix: str, lines: int) -> str:
    code = [f"{prefix}line {n}: value = compute({rng.randint(0, 10**6)}, '{rng.choice(WORDS)}')" for n in range(lines)]
    return "\n".join(code) + "\n"


def generate(root: str, files: int, seed: int = 14) -> None:
    rng = random.Random(seed)
    os.makedirs(os.path.join(root, "LICENSES"))
    for licence in LICENCES:
        with open(os.path.join(root, "LICENSES", f"{licence}.txt"), "w") as handle:
            handle.write(f"Placeholder for the text of {licence}.\n" * 20)
    with open(os.path.join(root, "REUSE.toml"), "w") as handle:
        handle.write('version = 1\n\n[[annotations]]\npath = "docs/**"\nprecedence = "aggregate"\n'
                     'SPDX-FileCopyrightText = "2024 The Docs Team"\nSPDX-License-Identifier = "CC0-1.0"\n\n'
                     '[[annotations]]\npath = "assets/generated/**"\nprecedence = "override"\n'
                     'SPDX-FileCopyrightText = "2024 Build Bot"\nSPDX-License-Identifier = "MIT"\n')
    weights = [k[0] for k in KINDS]
    for n in range(files):
        depth = rng.randint(1, 4)
        directory = os.path.join(root, "src", *(rng.choice(WORDS) for _ in range(depth)))
        os.makedirs(directory, exist_ok=True)
        roll = n % 20
        if roll == 0:  # a binary with a sidecar
            path = os.path.join(directory, f"image{n}.png")
            with open(path, "wb") as handle:
                handle.write(b"\x89PNG\r\n\x1a\n\0\0" + rng.randbytes(rng.randint(200, 4000)))
            with open(path + ".license", "w") as handle:
                handle.write(f"SPDX-FileCopyrightText: 2023 Artist {n}\n\nSPDX-License-Identifier: CC0-1.0\n")
            continue
        if roll == 1:  # documentation, its licensing from REUSE.toml (aggregate)
            folder = os.path.join(root, "docs", rng.choice(WORDS))
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, f"page{n}.md")
            with open(path, "w") as handle:
                handle.write(f"# Page {n}\n\n" + _body(rng, "", rng.randint(10, 80)))
            continue
        if roll == 2:  # generated, overridden by REUSE.toml
            os.makedirs(os.path.join(root, "assets", "generated"), exist_ok=True)
            with open(os.path.join(root, "assets", "generated", f"gen{n}.json"), "w") as handle:
                handle.write(f'{{"SPDX-License-Identifier": "not read: overridden", "n": {n}}}\n')
            continue
        _weight, suffix, prefix, close = rng.choices(KINDS, weights)[0]
        licence = rng.choice(LICENCES)
        header = (f"{prefix}SPDX-FileCopyrightText: 20{rng.randint(10, 25)} Author {rng.randint(1, 300)}{close}\n"
                  f"{prefix}SPDX-License-Identifier: {licence}{close}\n")
        if roll == 3:
            header += f"{prefix}SPDX-License-Identifier: Apache-2.0 OR MIT{close}\n"  # two tags: combined with AND
        body = _body(rng, prefix.strip() + " " if prefix.strip() in ("#", "//") else "", rng.randint(20, 300))
        if roll == 4:  # an example inside an ignore block
            body += f"{prefix}REUSE-IgnoreStart{close}\nEXAMPLE = 'SPDX-License-Identifier: GPL-2.0-only'\n" \
                    f"{prefix}REUSE-IgnoreEnd{close}\n"
        if roll == 5:  # the tag deep in the file, after a long preamble
            header, body = body, header
        with open(os.path.join(directory, f"file{n}{suffix}"), "w") as handle:
            handle.write(header + "\n" + body)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@b"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", "-C", root, *args], check=True, env=env, stdout=subprocess.DEVNULL)


def _warm_page_cache(root: str) -> None:
    for folder, _dirs, names in os.walk(root):
        for name in names:
            with open(os.path.join(folder, name), "rb") as handle:
                handle.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_reuse.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    parser.add_argument("--smoke", action="store_true", help="a tiny tree, one repeat: checks that the bench works")
    args = parser.parse_args(argv)
    if args.smoke:
        args.files, args.repeat = 200, 1
    try:
        import reuse  # noqa: F401 - the reference must be installed (the test extras)
    except ImportError:
        print("bench_reuse.py: needs the reuse tool (pip install -e '.[test]')", file=sys.stderr)
        return 2
    compile_package()
    work = tempfile.mkdtemp(prefix="lictree-bench-reuse-")
    try:
        tree = os.path.join(work, "project")
        generate(tree, args.files)
        _warm_page_cache(tree)
        env = {**os.environ, "PYTHONPATH": REPO}
        reuse_cmd = [sys.executable, "-m", "reuse", "--root", tree, "lint", "--quiet"]
        lictree_cmd = [sys.executable, "-m", "tui.cli", "check", tree]
        got = run_measured(reuse_cmd, env=env)
        if got[2] != 0:
            print(f"bench_reuse.py: reuse lint finds the generated tree non-compliant (exit {got[2]})",
                  file=sys.stderr)
            return 1
        reuse_runs, cold_runs, warm_runs = [], [], []
        for n in range(args.repeat):
            reuse_runs.append(run_measured(reuse_cmd, env=env))
            cache = os.path.join(work, f"cache-{n}")
            cold_runs.append(run_measured(lictree_cmd, env={**env, "XDG_CACHE_HOME": cache}))
            warm_runs.append(run_measured(lictree_cmd, env={**env, "XDG_CACHE_HOME": cache}))
        for name, runs in (("lictree cold", cold_runs), ("lictree warm", warm_runs)):
            if any(run[2] != 0 for run in runs):
                print(f"bench_reuse.py: {name} finds problems in the generated tree", file=sys.stderr)
                return 1
        reuse_wall, reuse_rss, reuse_cpu = median_of(reuse_runs)
        files = sum(len(names) for folder, _d, names in os.walk(tree) if "/.git" not in folder + "/")
        print(f"REUSE tree: {files:,} files ({args.files:,} generated), {args.repeat} runs each, median wall time")
        print(f"{'':14} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'x reuse':>8} {'goal':>6}")
        print(f"{'reuse lint':14} {reuse_wall:8.3f} {reuse_cpu:8.3f} {reuse_rss:8.0f} {1:8.3f}")
        for name, runs, goal in (("lictree cold", cold_runs, 0.2), ("lictree warm", warm_runs, 0.05)):
            wall, rss, cpu = median_of(runs)
            ratio = wall / reuse_wall
            print(f"{name:14} {wall:8.3f} {cpu:8.3f} {rss:8.0f} {ratio:8.3f} {goal:6.2f} "
                  f"{'met' if ratio <= goal else 'NOT met'}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
