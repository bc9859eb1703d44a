"""lictree's verdicts agree with the kernel's own scripts/spdxcheck.py, file by file, on a real tree.

Runs when LICTREE_KERNEL_TREE names a kernel git tree (.ci/run sets it from
../shared/kernel/get-kernel). spdxcheck's per-file verdicts come from
../shared/kernel/spdxcheck-files (or $LICTREE_SPDXCHECK_FILES).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tui.core.build import build_index
from tui.core.headers import extract_header

TREE = os.environ.get("LICTREE_KERNEL_TREE")
REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(os.environ.get("LICTREE_SPDXCHECK_FILES", REPO.parent / "shared" / "kernel" / "spdxcheck-files"))

pytestmark = pytest.mark.skipif(not TREE, reason="LICTREE_KERNEL_TREE is not set")


@pytest.fixture(scope="module")
def reference() -> dict[str, dict]:
    if not SCRIPT.exists():
        pytest.skip(f"{SCRIPT} not found")
    out = subprocess.run([str(SCRIPT), TREE], capture_output=True, text=True, check=True, timeout=900).stdout
    return {rec["path"]: rec for rec in map(json.loads, out.splitlines())}


def spdxcheck_status(rec: dict) -> str:
    if rec["spdx"]:
        return "valid"
    return "invalid" if rec["error"] else "untagged"


def difference_class(root: str, path: str, ours: str, theirs: str, error: str | None) -> str:
    """Name why we differ from spdxcheck; 'unexplained' fails the test."""
    with open(os.path.join(root, path), "rb") as handle:
        header = extract_header(handle.read(65536))
    if ours == "valid" and theirs == "invalid" and header.jinja_fix and error and error.endswith("Invalid token: #}"):
        return "jinja-comment-close"
    if ours == "valid" and theirs == "invalid" and header.raw is not None and "\r" in header.raw:
        return "lone-cr-line-end"
    return "unexplained"


def test_every_checked_file_has_the_same_verdict(reference: dict[str, dict]):
    index = build_index(TREE, use_cache=False)
    compared = same = 0
    classes: Counter = Counter()
    unexplained: list[str] = []
    for path, rec in reference.items():
        theirs = spdxcheck_status(rec)
        ours = index.verdict(path)
        compared += 1
        if ours == theirs:
            same += 1
            continue
        kind = difference_class(TREE, path, ours, theirs, rec["error"])
        classes[kind] += 1
        if kind == "unexplained":
            unexplained.append(f"{path}: ours={ours} spdxcheck={theirs} ({rec['error']})")
    print(f"\ncompared {compared} files: {same} same verdict, {compared - same} different: {dict(classes)}")
    assert not unexplained, "\n".join(unexplained[:50])
    # Each class of difference, counted independently of the header parser: every .j2 template
    # whose tag line closes with "#}" is one spdxcheck misreads.
    jinja = 0
    for path in reference:
        if path.endswith(".j2"):
            with open(os.path.join(TREE, path), "rb") as handle:
                head = b"".join(handle.readlines()[:15])
            if re.search(rb"SPDX-License-Identifier:[^\n]*#\}[ \t]*\r?\n", head):
                jinja += 1
    assert classes["jinja-comment-close"] == jinja
    assert compared > 80000


def test_files_spdxcheck_skips_are_excluded_or_not_files(reference: dict[str, dict]):
    index = build_index(TREE)
    checked = set(reference)
    for path in index.paths:
        if path not in checked:
            assert index.verdict(path) in ("excluded", "unreadable"), path
    excluded = index.status_counts()["excluded"]
    assert excluded > 0
    assert not [p for p in checked if index.verdict(p) in (None, "excluded")]


def test_expression_parser_matches_spdxcheck_on_random_expressions():
    """Differential test: spdxcheck.py's own ply parser against ours, on 20,000 random expressions."""
    pytest.importorskip("ply")
    git = pytest.importorskip("git")
    import contextlib
    import io
    import random
    import sys
    import types

    from tui.core.catalog import load_catalog
    from tui.core.expressions import KnownIds, validate

    source = Path(TREE, "scripts", "spdxcheck.py").read_text().split("if __name__ == '__main__':")[0]
    module = types.ModuleType("spdxcheck_under_test")
    module.__file__ = "spdxcheck.py"
    sys.modules[module.__name__] = module
    exec(compile(source, "spdxcheck.py", "exec"), module.__dict__)
    cwd = os.getcwd()
    os.chdir(TREE)
    try:
        parser = module.id_parser(module.read_spdxdata(git.Repo(TREE)))
    finally:
        os.chdir(cwd)
    known = KnownIds(load_catalog(TREE))
    atoms = ["GPL-2.0", "gpl-2.0+", "MIT", "WITH", "with", "Linux-syscall-note", "AND", "OR", "or", "(", ")",
             "Foo-1.0", "GCC-exception-2.0", "LGPL-2.1", "#}", "BSD-3-Clause", "Apache-2.0", "*/", ""]
    rng = random.Random(20261127)
    mismatches = []
    for _ in range(20000):
        expression = " ".join(rng.choice(atoms) for _ in range(rng.randint(0, 7)))
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                parser.parse(expression)
            theirs = None
        except module.ParserException as exc:
            theirs = exc.txt
        ours = validate(expression, known)
        if (theirs is None) != ours.valid or (theirs is not None and theirs != ours.message):
            mismatches.append((expression, theirs, ours.message))
    assert not mismatches, mismatches[:10]
