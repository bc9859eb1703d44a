"""lictree against `reuse lint --json` (the reference: reuse, installed by the test extras, GPL-3.0, run as a
program) on reuse-tool's fake_repository and its variants (tests/core/reuse_cases.py): per file, the same
licences from the same kinds of source; reuse's non-compliance lists equal to lictree's LT7xx findings.

``python -m tests.core.test_reuse_agreement`` prints the agreement table (docs/reuse.md)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.reuse_cases import CASES
from tui.core.build import build_index
from tui.core.counting import FindingFilter
from tui.core.report import check_json

HAVE_REUSE = importlib.util.find_spec("reuse") is not None
pytestmark = pytest.mark.skipif(not HAVE_REUSE, reason="reuse is not installed (pip install -e '.[test]')")

#: reuse's source types -> lictree's sources.
SOURCE_OF = {"file-header": "tag", "dot-license": "sidecar", "reuse-toml": "reuse-toml", "dep5": "dep5"}
#: reuse's non-compliance lists of ids -> the lictree rule whose findings name them.
ID_LISTS = {"missing_licenses": "LT703", "unused_licenses": "LT704", "bad_licenses": "LT705",
            "deprecated_licenses": "LT706", "licenses_without_extension": "LT707"}
#: reuse's non-compliance lists of files -> the lictree rule those files have.
FILE_LISTS = {"missing_licensing_info": "LT700", "missing_copyright_info": "LT701", "read_errors": "LT708"}
_QUOTED = re.compile(r"^'([^']*)'")


def reuse_lint(root: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "reuse", "--root", str(root), "lint", "--json"],
                          capture_output=True, text=True, env={"_SUPPRESS_DEP5_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def _keys(expression: str) -> set[str]:
    from license_expression import Licensing

    licensing = Licensing()
    return set(licensing.license_keys(licensing.parse(expression, simple=True)))


def reuse_view(doc: dict, root: Path) -> tuple[dict, dict]:
    """Per file: (licence keys of its valid expressions, sources, invalid expressions); and the lists."""
    files = {}
    for entry in doc["files"]:
        keys: set[str] = set()
        invalid: set[str] = set()
        for expression in entry["spdx_expressions"]:
            if expression["is_valid"]:
                keys |= _keys(expression["value"])
            else:
                invalid.add(expression["value"])
        sources = {SOURCE_OF[e["source_type"]] for e in entry["spdx_expressions"]}
        files[entry["path"]] = (keys, sources, bool(entry["copyrights"]), invalid)
    lists = {name: set(doc["non_compliant"][name]) for name in ID_LISTS}
    for name in FILE_LISTS:  # (paths as reuse was given the root: absolute)
        lists[name] = {os.path.relpath(path, root) for path in doc["non_compliant"][name]}
    return files, lists


def lictree_view(root: Path) -> tuple[dict, dict, dict]:
    index = build_index(str(root), use_cache=False, workers=1)
    doc = check_json(index, FindingFilter())
    files = {}
    lists: dict[str, set[str]] = {name: set() for name in (*ID_LISTS, *FILE_LISTS)}
    by_rule = {rule: name for name, rule in {**ID_LISTS, **FILE_LISTS}.items()}
    for entry in doc["files"]:
        for finding in entry["findings"]:
            name = by_rule.get(finding["rule"])
            if name in ID_LISTS:
                lists[name].add(_QUOTED.match(finding["message"]).group(1))
            elif name in FILE_LISTS:
                lists[name].add(entry["path"])
        if entry["status"] == "excluded":
            continue
        origin = entry.get("reuse") or {"expressions": [], "copyrights": []}
        keys: set[str] = set()
        invalid: set[str] = set()
        for part in origin["expressions"]:
            found = index.ctx.reuse.ids_of(part["expression"])
            if found is None:
                invalid.add(part["expression"])
            else:
                keys |= set(found)
        sources = {part["source"] for part in origin["expressions"]}
        files[entry["path"]] = (keys, sources, bool(origin["copyrights"]), invalid)
    return files, lists, doc


def compare(root: Path) -> list[str]:
    """The differences between reuse and lictree on the tree at *root* (empty: they agree)."""
    theirs, their_lists = reuse_view(reuse_lint(root), root)
    ours, our_lists, _doc = lictree_view(root)
    problems = []
    for path in sorted(theirs.keys() | ours.keys()):
        if path not in ours:
            problems.append(f"{path}: reuse covers it, lictree does not")
        elif path not in theirs:
            if path not in their_lists["read_errors"]:
                problems.append(f"{path}: lictree covers it, reuse does not")
        elif theirs[path][0] != ours[path][0]:
            problems.append(f"{path}: licences {sorted(theirs[path][0])} (reuse) vs {sorted(ours[path][0])}")
        elif theirs[path][1:] != ours[path][1:]:
            problems.append(f"{path}: sources/copyright/invalid {theirs[path][1:]} (reuse) vs {ours[path][1:]}")
    for name in their_lists:
        if their_lists[name] != our_lists[name]:
            problems.append(f"{name}: {sorted(their_lists[name])} (reuse) vs {sorted(our_lists[name])} (lictree)")
    return problems


@pytest.mark.parametrize("case", sorted(CASES))
def test_agrees_with_reuse_lint(case, tmp_path):
    root = tmp_path / case
    root.mkdir()
    CASES[case](root)
    assert compare(root) == []


def agreement_table(base: Path) -> list[tuple[str, int, int, str]]:
    rows = []
    for case, make in CASES.items():
        root = base / case
        root.mkdir()
        make(root)
        theirs, lists = reuse_view(reuse_lint(root), root)
        problems = compare(root)
        found = sum(len(v) for v in lists.values())
        rows.append((case, len(theirs), found, "agree" if not problems else "; ".join(problems)))
    return rows


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print("| case | files reuse covers | non-compliances reuse lists | lictree |")
        print("|---|---|---|---|")
        for case, files, found, verdict in agreement_table(Path(tmp)):
            print(f"| {case} | {files} | {found} | {verdict} |")
