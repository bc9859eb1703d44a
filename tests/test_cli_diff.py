"""`lictree diff` as a user runs it: formats, --fail-on, -o, and bad input (one line, exit 2)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_diff import ADDED, RELICENSED, REMOVED, RENAMED, git, repo  # noqa: F401 - a fixture
from tui.cli import main


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_keys_and_files(repo: Path, capsys: pytest.CaptureFixture):  # noqa: F811
    code, out, err = run(capsys, "old", "new", "--repo", str(repo), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert {"tool", "old", "new", "summary", "files"} <= set(data)
    assert (data["old"]["rev"], data["new"]["rev"]) == ("old", "new")
    assert data["old"]["root"] == data["new"]["root"]
    for item in data["files"]:
        assert {"path", "old_path", "change", "same_license", "old", "new", "findings"} <= set(item)
        assert item["change"] in ("added", "removed", "renamed", "changed")
        for side in ("old", "new"):
            assert item[side] is None or {"status", "expression"} <= set(item[side])
    files = {item["path"]: item for item in data["files"]}
    assert {p for p, i in files.items() if i["change"] == "removed"} == REMOVED
    assert {i["old_path"]: p for p, i in files.items() if i["change"] == "renamed"} == RENAMED
    assert all(files[p]["same_license"] is False for p in RELICENSED)
    assert data["summary"]["files"]["added"] == len(ADDED) + 1  # and the LICENSES/ file


def test_text_groups_licence_changes_first(repo: Path, capsys: pytest.CaptureFixture):  # noqa: F811
    code, out, _err = run(capsys, "old", "new", "--repo", str(repo))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("== license changed")
    assert "kernel/fork.c: GPL-2.0-or-later -> MIT" in out
    assert "kernel/sched.c: GPL-2.0-only -> GPL-2.0 (same license)" in out
    assert "lib/demo-lib/crc.c -> lib/crc/crc.c" in out
    assert lines[-1].startswith(f"{len(ADDED) + 1} added, {len(REMOVED)} removed, 1 renamed, 3 changed")


@pytest.mark.parametrize("fmt", ["md", "html", "csv"])
def test_other_formats_to_a_file(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture, fmt: str):  # noqa: F811
    target = tmp_path / f"out.{fmt}"
    code, out, _err = run(capsys, "old", "new", "--repo", str(repo), "--format", fmt, "-o", str(target))
    assert code == 0 and out == ""
    text = target.read_text()
    assert "kernel/fork.c" in text and "lib/crc/crc.c" in text
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        fork = next(r for r in rows if r["path"] == "kernel/fork.c")
        assert (fork["change"], fork["same_license"], fork["new_expression"]) == ("changed", "false", "MIT")


@pytest.mark.parametrize(("condition", "code"), [("never", 0), ("license-change", 1), ("untagged", 0)])
def test_fail_on(repo: Path, capsys: pytest.CaptureFixture, condition: str, code: int):  # noqa: F811
    assert run(capsys, "old", "new", "--repo", str(repo), "--fail-on", condition)[0] == code


def test_fail_on_new_license(repo: Path, capsys: pytest.CaptureFixture):  # noqa: F811
    assert run(capsys, "old", "new", "--repo", str(repo), "--fail-on", "new-license")[0] == 0  # all were used
    (repo / "LICENSES/preferred/0BSD").write_text("Valid-License-Identifier: 0BSD\nSPDX-URL: x\nUsage-Guide:\n"
                                                  "  SPDX-License-Identifier: 0BSD\nLicense-Text:\ntext\n")
    (repo / "zero.c").write_text("// SPDX-License-Identifier: 0BSD\nint zero;\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "0BSD")
    try:
        code, out, _err = run(capsys, "new", "HEAD", "--repo", str(repo), "--fail-on", "new-license", "--format",
                              "json")
        assert code == 1
        assert json.loads(out)["summary"]["new_ids"] == ["0BSD"]
    finally:
        git(repo, "reset", "-q", "--hard", "new")


def test_fail_on_untagged(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture):  # noqa: F811
    (repo / "untagged.c").write_text("int untagged;\n")
    git(repo, "add", "untagged.c")
    git(repo, "commit", "-qm", "untagged")
    try:
        assert run(capsys, "new", "HEAD", "--repo", str(repo), "--fail-on", "untagged")[0] == 1
        assert run(capsys, "new", "HEAD", "--repo", str(repo), "--fail-on", "license-change")[0] == 0
    finally:
        git(repo, "reset", "-q", "--hard", "new")


@pytest.mark.parametrize("argv", [
    ["no-such-rev", "new"],
    ["old", "new", "--repo", "/nonexistent/place"],
    ["/nonexistent/tree", "new"],
    ["old", "new", "--format", "yaml"],
])
def test_bad_input_is_one_line_and_exit_2(repo: Path, argv: list[str]):  # noqa: F811
    if "--repo" not in argv:
        argv += ["--repo", str(repo)]
    done = subprocess.run([sys.executable, "-m", "tui.cli", "diff", *argv], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_outside_a_repository_says_so(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "tui.cli", "diff", "a", "b"], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 2 and "neither a directory nor a revision" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_shallow_repository_names_the_cause(repo: Path, tmp_path: Path):  # noqa: F811
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True,
                   capture_output=True)
    done = subprocess.run([sys.executable, "-m", "tui.cli", "diff", "HEAD~1", "HEAD", "--repo", str(shallow)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "shallow" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_side_without_licenses_is_noted(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture):  # noqa: F811
    bare = tmp_path / "bare"
    subprocess.run(["git", "clone", "-q", "--shared", str(repo), str(bare)], check=True, capture_output=True)
    git(bare, "rm", "-q", "-r", "LICENSES")
    git(bare, "commit", "-qm", "no LICENSES/")
    code, out, err = run(capsys, "new", "HEAD", "--repo", str(bare), "--format", "json")
    assert code == 0
    assert "no LICENSES/" in err and len(err.strip().splitlines()) == 1
    data = json.loads(out)
    assert any("no LICENSES/" in note for note in data["summary"]["notes"])
    assert data["summary"]["licenses_dir"]["removed"]  # every LICENSES/ file
