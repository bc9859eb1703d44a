"""Run `lictree check` on a tree in text and JSON and check what every run must give, whatever the tree."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tui.cli import main
from tui.core.report import printable

FINDING_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<severity>error|warning|info) (?P<rule>[A-Z]+\d+) (?P<msg>.*)$")
SUMMARY_RE = re.compile(r"^kernel tree, \d+ files: \d+ valid, \d+ untagged, \d+ invalid, \d+ unreadable, \d+ excluded; ")


@dataclass
class CheckRun:
    """One tree checked twice (text, JSON): the exit status, the text lines and the JSON document."""

    code: int
    lines: list[str]
    doc: dict

    @property
    def files(self) -> dict[str, dict]:
        return {entry["path"]: entry for entry in self.doc["files"]}

    @property
    def skipped(self) -> dict[str, dict]:
        return {entry["path"]: entry for entry in self.doc["skipped"]}

    def status(self, path: str) -> str | None:
        entry = self.files.get(path)
        return entry["status"] if entry else None

    def messages(self, path: str) -> list[str]:
        entry = self.files.get(path) or self.skipped.get(path) or {"findings": []}
        return [finding["message"] for finding in entry["findings"]]


def json_strings(value: object) -> list[str]:
    """Every string (keys too) in a JSON document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *json_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in json_strings(item)]
    return []


def check_tree(capsys: pytest.CaptureFixture, root: Path | str | bytes, *extra: str) -> CheckRun:
    """`lictree check ROOT` as text and as JSON; asserts the contract every tree must meet.

    No traceback, nothing on stderr, exit 0 or 1, one finding a line, every line and JSON string
    printable (control characters shown as escapes), and the same findings in both formats.
    """
    root = os.fsdecode(root)
    code = main(["check", root, "--no-cache", *extra])
    out, err = capsys.readouterr()
    assert code in (0, 1), (code, err)
    assert err == "", err
    lines = out.splitlines()
    assert lines and SUMMARY_RE.match(lines[-1]), out[-500:]
    for line in lines:
        assert printable(line) == line, f"control character in output: {line!r}"
    assert all(FINDING_RE.match(line) for line in lines[:-1]), lines

    json_code = main(["check", root, "--no-cache", "--format", "json", *extra])
    out, err = capsys.readouterr()
    assert (json_code, err) == (code, "")
    doc = json.loads(out)
    for text in json_strings(doc):
        assert printable(text) == text, f"control character in JSON: {text!r}"
    assert doc["summary"]["files"] == len(doc["files"])
    json_findings = sum(len(entry["findings"]) for entry in doc["files"] + doc["skipped"])
    assert json_findings == len(lines) - 1 == sum(doc["summary"]["findings"].values())
    return CheckRun(code, lines, doc)


def put(root: Path, name: str | bytes, content: bytes = b"// SPDX-License-Identifier: MIT\n") -> bytes:
    """Write a file whose name may be any bytes; returns its full path as bytes."""
    path = os.path.join(os.fsencode(root), os.fsencode(name))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content)
    return path
