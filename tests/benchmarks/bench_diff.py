"""`lictree diff` of two point releases: two revisions of one repository, cold (empty cache) and warm, and two
directories, cold and already indexed; the kernel's scripts/spdxcheck.py on one tree in the same run, and
the floor of a revision diff (``git cat-file --batch`` of the same blobs). Wall time, peak RSS, ratios.

    python3 tests/benchmarks/bench_diff.py [NEW_TREE [OLD_TREE]] [--repeat N]
    python3 tests/benchmarks/bench_diff.py --smoke     # a tiny tree, one repeat: does the bench work

NEW_TREE defaults to $LICTREE_KERNEL_TREE, OLD_TREE to $LICTREE_KERNEL_TREE_OLD (an older point release of
the same series: ``KERNEL_DEB_VERSION=6.12.107-1~deb12u1 ../shared/kernel/get-kernel``); without them the
bench says so and exits 2. The repository of both revisions is made in a temporary directory (their objects
borrowed, nothing copied). "Cold" empties lictree's cache (the licence-notice rule index, built once per
version of the rule data, is built first and timed on its own); the files of both trees are read once,
untimed, before a cold directory diff, as bench_index does.

The cases: two revisions cold and warm (the diff kept by tree ids); two directories cold (their files that
differ read from disk), indexed (a diff of them made before: the verdicts of their differing blobs kept by blob
id, the diff itself not kept), checked (both trees indexed by ``lictree check``, never diffed: the verdicts
from their index caches) and warm (the diff kept while neither tree changed: the floor of a directory diff,
which lists both trees with git, ``diff-files`` stat'ing every file).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _measure import REPO, add_tree_args, compile_package, kernel_tree, median_of, run_measured, smoke_tree

#: Goals as a share of spdxcheck.py's wall time on one tree in the same run.
GOALS = {"revs cold": 0.5, "revs warm": 0.05, "dirs cold": 0.6, "dirs indexed": 0.1, "dirs checked": 0.1,
         "dirs warm": None}
OLD_VARIABLE = "LICTREE_KERNEL_TREE_OLD"


def git(repo: str, *args: str, data: bytes | None = None) -> bytes:
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@b"}
    return subprocess.run(["git", "-C", repo, *args], input=data, check=True, capture_output=True, env=env).stdout


def smoke_pair(scratch: str) -> tuple[str, str]:
    """The smoke tree and a copy of it with a few files changed, each a git tree."""
    new = smoke_tree(scratch)
    old = os.path.join(scratch, "linux-smoke-old")
    subprocess.run(["git", "clone", "-q", new, old], check=True, capture_output=True)
    with open(os.path.join(old, "kernel", "fork.c"), "a") as handle:
        handle.write("/* older */\n")
    os.remove(os.path.join(old, "drivers", "net", "bar.c"))
    git(old, "commit", "-qam", "older")
    return new, old


def pair_repo(scratch: str, old: str, new: str) -> str:
    repo = os.path.join(scratch, "pair.git")
    subprocess.run(["git", "init", "-q", "--bare", repo], check=True)
    objects = [os.path.join(git(t, "rev-parse", "--path-format=absolute", "--git-common-dir").decode().strip(),
                            "objects") for t in (old, new)]
    with open(os.path.join(repo, "objects", "info", "alternates"), "w") as handle:
        handle.write("\n".join(objects) + "\n")
    for tag, tree in (("old", old), ("new", new)):
        git(repo, "update-ref", f"refs/tags/{tag}", git(tree, "rev-parse", "HEAD").decode().strip())
    return repo


def main() -> int:
    parser = argparse.ArgumentParser()
    add_tree_args(parser)
    parser.add_argument("old_tree", nargs="?", help=f"an older point release (default: ${OLD_VARIABLE})")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--read-floor", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read_floor:
        repo, listing = args.read_floor
        with open(listing, "rb") as handle:
            subprocess.run(["git", "-C", repo, "cat-file", "--batch"], stdin=handle, stdout=subprocess.DEVNULL,
                           check=True)
        return 0
    scratch = tempfile.mkdtemp(prefix="lictree-bench-diff-")
    try:
        if args.smoke:
            new, old = smoke_pair(scratch)
            repeat = 1
        else:
            new = kernel_tree(args.tree, "bench_diff")
            old = args.old_tree or os.environ.get(OLD_VARIABLE, "")
            if not old or not os.path.isdir(old):
                print(f"bench_diff: needs an older point release too: give it as a second argument or set "
                      f"{OLD_VARIABLE}", file=sys.stderr)
                return 2
            repeat = args.repeat
        return measure(scratch, os.path.abspath(old), new, repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def measure(scratch: str, old: str, new: str, repeat: int) -> int:
    cache = os.path.join(scratch, "cache")
    notice_dir = os.path.join(scratch, "notice-index")
    env = {**os.environ, "XDG_CACHE_HOME": cache, "LICTREE_NOTICE_INDEX_DIR": notice_dir}
    repo = pair_repo(scratch, old, new)
    compile_package()
    built = run_measured([sys.executable, "-c", "from tui.core.notices import index; index.ensure_built()"],
                         cwd=REPO, env=env)
    # the blobs a revision diff reads: both sides of every changed path
    raw = git(repo, "diff-tree", "-r", "-M", "--raw", "--no-abbrev", "old", "new").decode()
    oids = [o for line in raw.splitlines() if line.startswith(":") for o in line.split()[2:4] if set(o) != {"0"}]
    listing = os.path.join(scratch, "blobs")
    with open(listing, "w") as handle:
        handle.write("".join(f"{o}\n" for o in oids))
    lictree = [sys.executable, "-m", "tui.cli", "diff"]
    results: dict[str, list] = {}
    for _ in range(repeat):
        results.setdefault("spdxcheck", []).append(run_measured([sys.executable, "scripts/spdxcheck.py"], cwd=new))
        shutil.rmtree(cache, ignore_errors=True)
        results.setdefault("revs cold", []).append(run_measured([*lictree, "old", "new", "--repo", repo], REPO, env))
        results.setdefault("revs warm", []).append(run_measured([*lictree, "old", "new", "--repo", repo], REPO, env))
        shutil.rmtree(cache, ignore_errors=True)
        for tree in (old, new):
            run_measured([sys.executable, os.path.join(os.path.dirname(__file__), "bench_index.py"), "--read-floor",
                          tree])
        results.setdefault("dirs cold", []).append(run_measured([*lictree, old, new], REPO, env))
        # both trees indexed (their caches kept), but not this diff: it is made from the two indexes
        for name in os.listdir(os.path.join(cache, "lictree")):
            if name.startswith("diff-"):
                os.remove(os.path.join(cache, "lictree", name))
        results.setdefault("dirs indexed", []).append(run_measured([*lictree, old, new], REPO, env))
        results.setdefault("dirs warm", []).append(run_measured([*lictree, old, new], REPO, env))
        # both trees checked (``lictree check``: their index caches), never diffed: the verdicts from the caches
        shutil.rmtree(cache, ignore_errors=True)
        for tree in (old, new):
            run_measured([sys.executable, "-m", "tui.cli", "check", tree], REPO, env)
        results.setdefault("dirs checked", []).append(run_measured([*lictree, old, new], REPO, env))
        results.setdefault("floor: cat-file", []).append(
            run_measured([sys.executable, __file__, "--read-floor", repo, listing]))
    if any(run[2] != 0 for run in results["spdxcheck"]):
        print("spdxcheck.py failed: is ply and GitPython installed?", file=sys.stderr)
        return 2
    failed = [name for name, runs in results.items() if name != "spdxcheck" and any(run[2] for run in runs)]
    base, base_rss, base_cpu = median_of(results["spdxcheck"])
    print(f"diff {old} -> {new}: {len(oids)} blobs differ (median of {repeat} runs, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end)")
    print(f"{'':<16} {'wall s':>8} {'cpu s':>7} {'peak MB':>8} {'ratio':>7} {'goal':>6}")
    print(f"{'spdxcheck':<16} {base:8.3f} {base_cpu:7.3f} {base_rss:8.1f} {1:7.3f}")
    for name in [*GOALS, "floor: cat-file"]:  # (dirs warm: the same diff again, kept while neither tree changed)
        wall, rss, cpu = median_of(results[name])
        ratio = wall / base
        limit = GOALS.get(name)
        verdict = "" if limit is None else ("ok" if ratio <= limit else "MISSED")
        goal = f"{limit:6.2f}" if limit is not None else " " * 6
        print(f"{name:<16} {wall:8.3f} {cpu:7.3f} {rss:8.1f} {ratio:7.3f} {goal} {verdict}")
    print(f"notice rule index, first build (once per rule-data version, not counted above): {built[0]:.1f} s wall")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
