"""Accuracy and speed of the licence-notice matcher (tui.core.notices) on a kernel tree.

    python3 tests/benchmarks/bench_notices.py TREE                # or LICTREE_KERNEL_TREE=TREE
    python3 tests/benchmarks/bench_notices.py TREE --cases cases.json   # groups from shared/kernel/notice-cases
    python3 tests/benchmarks/bench_notices.py --smoke             # a tiny generated tree: does the bench work

The .c/.h files git lists are sorted into the groups of issue 13 (as shared/kernel/notice-cases does):
(a) tagged files that also carry a grant phrase: the notice's licence equals the tag's (aliases folded:
GPL-2.0 = GPL-2.0-only, GPL-2.0+ = GPL-2.0-or-later), goal >= 90%, and is within the tag's licences,
goal >= 95%; every disagreement class with its count and two examples; (b) untagged with a grant
phrase: >= 97% get a notice; (c) untagged with licence words but no grant phrase: >= 75%; (e) untagged
with no licence word at all: <= 1%. Then the speed: the rule index's build and load, files a second
per group, and a whole-tree pass (every file's head read, matched only where needed: untagged files
with a licence word, tagged ones whose head holds licence text), with spdxcheck.py's time when asked
(--spdxcheck). The index is built in the cache directory when missing (the first run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

from _measure import REPO, add_tree_args, kernel_tree  # the benchmarks' common tree argument and its message

sys.path.insert(0, REPO)

GRANT = re.compile(rb"free software; you can redistribute|Permission is hereby granted|"
                   rb"Redistribution and use in source and binary|Permission to use, copy, modify")
WORDS = re.compile(r"licen[cs]|\bgpl|gnu general|permission|redistribut|public domain|free software", re.I)
CODE = re.compile(r"MODULE_LICENSE|EXPORT_SYMBOL|_GPL\b|_GPL\(|GPL_ONLY|gpl_only", re.I)
ANY = re.compile(rb"licen[cs]|gpl|permission|redistribut|public domain|free software|copyleft|spdx", re.I)
TAG = re.compile(rb"SPDX-License-Identifier:\s*(.+?)\s*(?:\*/|-->)?\s*$", re.M)
GROUPS = ("tagged_with_notice", "untagged_with_grant_phrase", "reference_only_untagged", "clean_untagged")

#: Aliases folded before comparing a tag and a notice.
FOLD = {"GPL-2.0": "GPL-2.0-only", "GPL-2.0+": "GPL-2.0-or-later", "GPL-1.0+": "GPL-1.0-or-later",
        "GPL-1.0": "GPL-1.0-only", "LGPL-2.0": "LGPL-2.0-only", "LGPL-2.0+": "LGPL-2.0-or-later",
        "LGPL-2.1": "LGPL-2.1-only", "LGPL-2.1+": "LGPL-2.1-or-later", "GPL-3.0": "GPL-3.0-only",
        "GPL-3.0+": "GPL-3.0-or-later"}


MIT = """Permission is hereby granted, free of charge, to any person obtaining a
copy of this software and associated documentation files (the "Software"),
to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.  IN NO EVENT SHALL
THE COPYRIGHT HOLDER(S) OR AUTHOR(S) BE LIABLE FOR ANY CLAIM, DAMAGES OR
OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE,
ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR
OTHER DEALINGS IN THE SOFTWARE."""
GPL2PLUS = """This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation; either version 2 of the License, or
(at your option) any later version."""


def _comment(text: str) -> str:
    return "/*\n" + "".join(f" * {line}".rstrip() + "\n" for line in text.splitlines()) + " */\n"


def notice_smoke_tree(parent: str) -> str:
    """A tiny tree (not _measure's demo tree: this one needs notices) with a file or two of each group, a LICENSES/ folder and COPYING, committed."""
    tree = os.path.join(parent, "linux-smoke")
    files = {
        "COPYING": "The Linux Kernel is provided under:\n\n\tSPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note\n",
        "LICENSES/preferred/GPL-2.0": "Valid-License-Identifier: GPL-2.0\nValid-License-Identifier: GPL-2.0-only\n"
        "Valid-License-Identifier: GPL-2.0+\nValid-License-Identifier: GPL-2.0-or-later\nLicense-Text:\n...\n",
        "LICENSES/preferred/MIT": "Valid-License-Identifier: MIT\nLicense-Text:\n...\n",
        "a/mit.c": _comment("Copyright 2020 A\n\n" + MIT) + "int a;\n",
        "a/gpl.c": _comment("Copyright 2020 B\n\n" + GPL2PLUS) + "int b;\n",
        "a/tagged.c": "// SPDX-License-Identifier: GPL-2.0+\n" + _comment(GPL2PLUS) + "int c;\n",
        "a/ref.h": "/* Dual BSD/GPL licensed: see the GNU GPL */\n#define D 1\n",
        "a/clean.c": "/* nothing to see */\nint e;\n",
    }
    for rel, text in files.items():
        path = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@b"}
    for args in (["init", "-q"], ["add", "-A", "-f"], ["commit", "-qm", "smoke"]):
        subprocess.run(["git", "-C", tree, *args], check=True, env=env, stdout=subprocess.DEVNULL)
    return tree


def git_files(tree: str, *patterns: str) -> list[str]:
    names = subprocess.run(["git", "-C", tree, "ls-files", "-z", "--", *patterns], capture_output=True,
                           check=True).stdout.split(b"\0")
    return [n.decode("utf-8", "surrogateescape") for n in names if n]


def read(tree: str, rel: str, limit: int = -1) -> bytes | None:
    path = os.path.join(tree, rel)
    if os.path.islink(path) or not os.path.isfile(path):
        return None
    with open(path, "rb") as handle:
        return handle.read(limit)


def sort_cases(tree: str, files: list[str] | None = None) -> dict[str, list[str]]:
    """The groups, as shared/kernel/notice-cases sorts them (of *files*, default every .c/.h file)."""
    out: dict[str, list[str]] = {k: [] for k in GROUPS}
    for rel in git_files(tree, "*.c", "*.h") if files is None else files:
        data = read(tree, rel)
        if data is None:
            continue
        tagged, grant = b"SPDX-License-Identifier" in data, GRANT.search(data) is not None
        if tagged:
            if grant:
                out["tagged_with_notice"].append(rel)
        elif grant:
            out["untagged_with_grant_phrase"].append(rel)
        elif not ANY.search(data):
            out["clean_untagged"].append(rel)
        else:
            head = data.decode("utf-8", "replace").split("\n")[:60]
            if any(WORDS.search(line) and not CODE.search(line) for line in head):
                out["reference_only_untagged"].append(rel)
    return out


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


def licences(expression: str) -> set[str]:
    """The licence ids of an expression, aliases folded, exceptions and operators left out."""
    ids = _ID.findall(re.sub(r"\bWITH\s+[A-Za-z0-9.+-]+", " ", expression))
    return {FOLD.get(i, i) for i in ids if i not in ("AND", "OR", "WITH")}


def current_rss() -> int:
    """This process's resident memory in bytes now (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "  n/a"


def measure(tree: str, cases: dict[str, list[str]], examples: int, whole_tree: bool, spdxcheck: bool) -> None:
    from tui.core.catalog import load_catalog
    from tui.core.notices import index as notices_index
    from tui.core.notices.match import HEAD_BYTES, find_notice, needs_matching

    catalog = load_catalog(tree)
    version = notices_index.data.data_version()
    path = notices_index.index_path(version)
    built = None
    if not os.path.exists(path):
        started = time.perf_counter()
        notices_index._build_in_child(path, None)  # what get_index does on a first run
        built = time.perf_counter() - started
    rss_before = current_rss()
    started = time.perf_counter()
    idx = notices_index.get_index()
    load_time = time.perf_counter() - started
    rss_after = current_rss()
    print(f"rule index: {len(idx.rule_ids)} rules, {os.path.getsize(path) / 1e6:.1f} MB on disk; "
          + (f"built in {built:.1f} s (first run, in a child process); " if built is not None else "")
          + f"loaded in {load_time * 1000:.0f} ms, RSS +{(rss_after - rss_before) / 1e6:.0f} MB "
          f"(process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    print("groups: " + ", ".join(f"{g} {len(cases.get(g, []))}" for g in GROUPS))

    results: dict[str, list[tuple[str, object]]] = {}
    for group in GROUPS:
        out = []
        files = cases.get(group, [])
        started = time.perf_counter()
        for rel in files:
            data = read(tree, rel, HEAD_BYTES)
            out.append((rel, None if data is None else find_notice(data, rel, catalog, idx)))
        spent = time.perf_counter() - started
        results[group] = out
        rate = len(files) / spent if spent else 0.0
        print(f"  {group}: {len(files)} files in {spent:.2f} s: {rate:.0f} files/s, "
              f"{1000 * spent / max(1, len(files)):.2f} ms a file (read and match)")

    tagged = results["tagged_with_notice"]
    equal = within = 0
    classes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rel, notice in tagged:
        data = read(tree, rel, 1 << 20) or b""
        match = TAG.search(data)
        tag = match.group(1).decode("utf-8", "replace").strip() if match else "?"
        got = notice.expression if notice is not None else "(no notice)"
        tag_ids, got_ids = licences(tag), licences(got) if notice is not None else set()
        if notice is not None and tag_ids == got_ids:
            equal += 1
            within += 1
            continue
        if notice is not None and got_ids <= tag_ids:
            within += 1
        classes[(" ".join(sorted(tag_ids)) or tag, " ".join(sorted(got_ids)) or got)].append(rel)
    n = len(tagged)
    print(f"(a) tagged with a notice: {n}; notice equals the tag {equal} ({pct(equal, n)}, goal >= 90%), "
          f"within the tag {within} ({pct(within, n)}, goal >= 95%)")
    print("    disagreement classes (tag licences -> notice licences: count, examples):")
    for (tag_ids, got_ids), files in sorted(classes.items(), key=lambda item: -len(item[1])):
        within_mark = "within" if got_ids != "(no notice)" and set(got_ids.split()) <= set(tag_ids.split()) else ""
        print(f"      {tag_ids} -> {got_ids}: {len(files)} {within_mark}  e.g. {', '.join(files[:examples])}")
    for label, group, goal, want_notice in (("(b) untagged with a grant phrase", "untagged_with_grant_phrase", 97, True),
                                            ("(c) untagged, short references only", "reference_only_untagged", 75, True),
                                            ("(e) untagged, no licence word", "clean_untagged", 1, False)):
        rows = results[group]
        hits = [rel for rel, notice in rows if notice is not None]
        misses = [rel for rel, notice in rows if notice is None]
        sign = ">=" if want_notice else "<="
        print(f"{label}: {len(rows)}; with a notice {len(hits)} ({pct(len(hits), len(rows))}, goal {sign} {goal}%)")
        if want_notice:
            print(f"    no notice, e.g.: {', '.join(misses[:examples * 3])}")
            found = Counter(notice.expression for _rel, notice in rows if notice is not None)
            print("    licences found: " + ", ".join(f"{e} {c}" for e, c in found.most_common(8)))
        else:
            print(f"    with a notice, e.g.: {', '.join(hits[:examples * 3])}")

    if whole_tree:
        files = git_files(tree)
        matched = tagged_matched = 0
        match_wall = match_cpu = 0.0
        started, started_cpu = time.perf_counter(), time.process_time()
        for rel in files:
            data = read(tree, rel, HEAD_BYTES)
            if data is None:
                continue
            tagged_file = b"SPDX-License-Identifier" in data[:4096]
            if needs_matching(data, tagged_file):
                matched += 1
                tagged_matched += tagged_file
                t0, c0 = time.perf_counter(), time.process_time()
                find_notice(data, rel, catalog, idx)
                match_wall += time.perf_counter() - t0
                match_cpu += time.process_time() - c0
        spent, spent_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        print(f"whole tree: {len(files)} files; {matched} need matching ({pct(matched, len(files))}: "
              f"{matched - tagged_matched} untagged with a licence word, {tagged_matched} tagged with licence text)")
        print(f"    the pass: {spent:.1f} s wall, {spent_cpu:.1f} s CPU in one process; of which matching "
              f"{match_wall:.1f} s wall, {match_cpu:.1f} s CPU ({1000 * match_cpu / max(1, matched):.2f} ms CPU "
              f"a matched file, {matched / max(match_cpu, 1e-9):.0f} files/s a core); reading heads and the "
              f"prefilter the rest")
        if spdxcheck:
            started = time.perf_counter()
            subprocess.run([sys.executable, os.path.join(tree, "scripts", "spdxcheck.py")], cwd=tree,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            reference = time.perf_counter() - started
            print(f"spdxcheck.py in the same run: {reference:.1f} s wall; matching alone is "
                  f"{match_wall / reference:.2f}x of it (CPU {match_cpu / reference:.2f}x), the whole pass "
                  f"{spent / reference:.2f}x")


def compare_scancode(tree: str, cases: dict[str, list[str]], scancode: str, size: int, catalog_root: str) -> None:
    """(d) lictree's licences within ScanCode's, on random samples of (b) and (c). ScanCode's unversioned
    GPL (GPL-1.0-or-later) admits the kernel's reading of it (any GPL version)."""
    import random
    import shutil

    from tui.core.catalog import load_catalog
    from tui.core.notices.match import HEAD_BYTES, find_notice

    catalog = load_catalog(catalog_root)
    rng = random.Random(2026)
    for label, group in (("(b)", "untagged_with_grant_phrase"), ("(c)", "reference_only_untagged")):
        sample = rng.sample(cases[group], min(size, len(cases[group])))
        with tempfile.TemporaryDirectory(prefix="bench-notices-scancode-") as scratch:
            for rel in sample:
                os.makedirs(os.path.dirname(os.path.join(scratch, "t", rel)), exist_ok=True)
                shutil.copyfile(os.path.join(tree, rel), os.path.join(scratch, "t", rel))
            out = os.path.join(scratch, "out.json")
            started = time.perf_counter()
            subprocess.run([scancode, "-l", "--processes", "2", "--json", out, os.path.join(scratch, "t")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            took = time.perf_counter() - started
            with open(out) as handle:
                scanned = {f["path"].split("/", 1)[1]: f for f in json.load(handle)["files"] if f["type"] == "file"}
        within = compared = 0
        differ: dict[tuple[str, str], list[str]] = defaultdict(list)
        for rel in sample:
            notice = find_notice(read(tree, rel, HEAD_BYTES) or b"", rel, catalog)
            theirs = (scanned.get(rel) or {}).get("detected_license_expression_spdx") or ""
            if notice is None:
                continue
            compared += 1
            ours_ids, their_ids = licences(notice.expression), licences(theirs)
            if "GPL-1.0-or-later" in their_ids:
                their_ids |= {"GPL-2.0-only", "GPL-2.0-or-later", "GPL-1.0-or-later"}
            if ours_ids <= their_ids:
                within += 1
            else:
                differ[(notice.expression, theirs or "(none)")].append(rel)
        print(f"(d) {label} {len(sample)} files, ScanCode {took:.0f} s ({len(sample) / took:.1f} files/s, 2 processes); "
              f"of the {compared} with a lictree notice, within ScanCode's licences: {within} "
              f"({pct(within, compared)}, goal >= 90%)")
        for (ours, theirs), rels in sorted(differ.items(), key=lambda item: -len(item[1]))[:12]:
            print(f"      lictree {ours} / ScanCode {theirs}: {len(rels)}  e.g. {', '.join(rels[:2])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_tree_args(parser)
    parser.add_argument("--cases", help="the groups as JSON (shared/kernel/notice-cases); else sorted here")
    parser.add_argument("--examples", type=int, default=2, help="examples per disagreement class")
    parser.add_argument("--no-whole-tree", action="store_true", help="skip the whole-tree pass")
    parser.add_argument("--spdxcheck", action="store_true", help="time scripts/spdxcheck.py too")
    parser.add_argument("--scancode", metavar="PATH", help="(d): the scancode command of a separate virtualenv "
                        "(pip install scancode-toolkit-mini 'pluggy<1.1'), compared on samples of (b) and (c)")
    parser.add_argument("--scancode-sample", type=int, default=200, help="files per sample for --scancode")
    args = parser.parse_args(argv)
    print("note: timings depend on the machine's load; this one may be busy", flush=True)
    if args.smoke:
        with tempfile.TemporaryDirectory(prefix="bench-notices-") as scratch:
            tree = notice_smoke_tree(scratch)
            measure(tree, sort_cases(tree), args.examples, True, False)
        return 0
    tree = kernel_tree(args.tree, "bench_notices.py")
    if args.cases:
        try:
            with open(args.cases) as handle:
                cases = json.load(handle)
        except (OSError, ValueError) as exc:
            print(f"bench_notices.py: {args.cases}: {exc}", file=sys.stderr)
            return 2
    else:
        cases = sort_cases(tree)
    measure(tree, cases, args.examples, not args.no_whole_tree, args.spdxcheck)
    if args.scancode:
        compare_scancode(tree, cases, args.scancode, args.scancode_sample, tree)
    return 0


if __name__ == "__main__":
    sys.exit(main())
