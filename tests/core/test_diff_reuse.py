"""`lictree diff` on two REUSE trees (issue 14): two copies of tui/demo/reuse-demo, the new one with a REUSE.toml
annotation changed, an override added, a sidecar added and a file relicensed. Each side is judged as a REUSE
tree, and each licence says where it comes from (the file, its sidecar, REUSE.toml or dep5)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import DEMO
from tui.cli import main

REUSE_DEMO = os.path.join(os.path.dirname(str(DEMO)), "reuse-demo")


@pytest.fixture
def sides(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(REUSE_DEMO, old)
    shutil.copytree(REUSE_DEMO, new)
    toml = (new / "REUSE.toml").read_text()
    assert 'path = "docs/**"' in toml and 'SPDX-License-Identifier = "CC-BY-4.0"' in toml
    toml = toml.replace('SPDX-License-Identifier = "CC-BY-4.0"', 'SPDX-License-Identifier = "CC0-1.0"', 1)
    toml += ('\n[[annotations]]\npath = "src/app/main.rb"\nprecedence = "override"\n'
             'SPDX-FileCopyrightText = "2024 The reuse-demo authors"\nSPDX-License-Identifier = "MIT"\n')
    (new / "REUSE.toml").write_text(toml)
    # a sidecar for the file that had no licensing information
    (new / "src/app/todo.rb.license").write_text("SPDX-FileCopyrightText: 2024 Jane Doe <jane@example.org>\n"
                                                 "SPDX-License-Identifier: Apache-2.0\n")
    help_rb = new / "src/app/help.rb"
    text = help_rb.read_text()
    assert "SPDX-License-Identifier: MIT" in text
    help_rb.write_text(text.replace("SPDX-License-Identifier: MIT", "SPDX-License-Identifier: Apache-2.0"))
    return old, new


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_diff_of_two_reuse_trees(capsys, sides, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    old, new = sides
    code, out, err = run(capsys, "diff", str(old), str(new), "--format", "json", "--no-cache")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["old"]["kind"], doc["new"]["kind"]) == ("reuse", "reuse")
    files = {f["path"]: f for f in doc["files"]}

    def licence(side: dict | None) -> tuple[str | None, str | None] | None:
        if side is None or side["effective"] is None:
            return None
        return side["effective"]["expression"], side["effective"]["source"]

    # REUSE.toml's annotation changed: both files it covers, though their bytes did not
    for path in ("docs/guide.md", "docs/CHANGES.md"):
        assert files[path]["change"] == "changed"
        assert (licence(files[path]["old"]), licence(files[path]["new"])) == (
            ("CC-BY-4.0", "reuse-toml"), ("CC0-1.0", "reuse-toml"))
        assert files[path]["same_license"] is False
    # an override: the same licence, from REUSE.toml now instead of the file
    main_rb = files["src/app/main.rb"]
    assert (licence(main_rb["old"]), licence(main_rb["new"])) == (("MIT", "tag"), ("MIT", "reuse-toml"))
    assert main_rb["same_license"] is True
    # a sidecar added: the file it stands for has licensing now
    todo = files["src/app/todo.rb"]
    assert (todo["old"]["status"], licence(todo["old"])) == ("untagged", None)
    assert (todo["new"]["status"], licence(todo["new"])) == ("valid", ("Apache-2.0", "sidecar"))
    assert {f["rule"] for f in todo["findings"]} == set()
    assert files["src/app/todo.rb.license"]["change"] == "added"
    assert files["src/app/todo.rb.license"]["new"]["status"] == "excluded"  # REUSE does not cover sidecars
    # a file relicensed in its text
    help_rb = files["src/app/help.rb"]
    assert (licence(help_rb["old"]), licence(help_rb["new"])) == (("MIT", "tag"), ("Apache-2.0", "tag"))
    # nothing else
    assert set(files) == {"docs/guide.md", "docs/CHANGES.md", "src/app/main.rb", "src/app/todo.rb",
                          "src/app/todo.rb.license", "src/app/help.rb"}
    summary = doc["summary"]
    assert summary["files"]["modified_same_verdict"] == 1  # REUSE.toml itself: excluded on both sides
    assert summary["licenses"]["CC0-1.0"] == {"added": 2, "removed": 0}
    assert summary["licenses"]["CC-BY-4.0"] == {"added": 0, "removed": 2}
    assert summary["licenses"]["Apache-2.0"] == {"added": 2, "removed": 0}
    # the text report says where each licence comes from
    code, out, err = run(capsys, "diff", str(old), str(new), "--no-cache")
    assert "docs/guide.md: CC-BY-4.0 [reuse-toml] -> CC0-1.0 [reuse-toml]" in out
    assert "src/app/todo.rb: (untagged) -> Apache-2.0 [sidecar]" in out
    assert "src/app/main.rb: MIT -> MIT [reuse-toml] (same license)" in out


def test_identical_reuse_trees_have_no_diff(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(REUSE_DEMO, old)
    shutil.copytree(REUSE_DEMO, new)
    code, out, _err = run(capsys, "diff", str(old), str(new), "--format", "json", "--no-cache")
    assert code == 0 and json.loads(out)["files"] == []


def test_a_kept_diff_of_reuse_trees_follows_a_reuse_toml_edit(capsys, tmp_path, monkeypatch):
    """The diff of two directories is kept while neither changed: an edit of REUSE.toml alone (no file it
    covers changed) is a change, and the diff asked again shows what it did."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(REUSE_DEMO, old)
    shutil.copytree(REUSE_DEMO, new)
    code, out, _err = run(capsys, "diff", str(old), str(new), "--format", "json")
    assert code == 0 and json.loads(out)["files"] == []
    toml = (new / "REUSE.toml").read_text()
    (new / "REUSE.toml").write_text(toml.replace('"CC-BY-4.0"', '"MIT"', 1))
    code, out, _err = run(capsys, "diff", str(old), str(new), "--format", "json")
    changed = {f["path"]: f["new"]["effective"] for f in json.loads(out)["files"]}
    assert changed == {"docs/CHANGES.md": {"expression": "MIT", "source": "reuse-toml"},
                       "docs/guide.md": {"expression": "MIT", "source": "reuse-toml"}}


def _git(repo: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True,
                   capture_output=True)


def test_two_revisions_of_a_reuse_tree_are_judged_with_their_reuse_toml_and_sidecars(capsys, sides, tmp_path,
                                                                                     monkeypatch):
    """Two commits of a REUSE tree, read from git's objects (the work tree holds neither): each judged with
    its own REUSE.toml and sidecars, the same diff as of two checkouts; nothing written in the repository's
    work tree, and the temporary copy of each revision removed."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    old, new = sides
    repo = tmp_path / "repo"
    shutil.copytree(old, repo)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "old")
    shutil.rmtree(repo / "src")
    shutil.copytree(new / "src", repo / "src")
    shutil.copy(new / "REUSE.toml", repo / "REUSE.toml")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "new")
    _git(repo, "checkout", "-q", "HEAD~1", "--", ".")  # the work tree as the old commit: neither side reads it
    before = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if ".git" not in p.parts)

    code, out, err = run(capsys, "diff", str(old), str(new), "--format", "json", "--no-cache")
    by_dirs = json.loads(out)
    code, out, err = run(capsys, "diff", "HEAD~1", "HEAD", "--repo", str(repo), "--format", "json")
    assert code == 0, err
    by_revs = json.loads(out)
    assert (by_revs["old"]["rev"], by_revs["new"]["rev"]) == ("HEAD~1", "HEAD")
    assert (by_revs["old"]["kind"], by_revs["new"]["kind"]) == ("reuse", "reuse")
    assert by_revs["files"] == by_dirs["files"] and by_revs["files"]
    assert by_revs["summary"] == by_dirs["summary"]
    assert not any("REUSE" in note for note in by_revs["summary"]["notes"])
    # a revision against a directory: the new side's checkout
    code, out, err = run(capsys, "diff", "HEAD~1", str(new), "--repo", str(repo), "--format", "json", "--no-cache")
    assert json.loads(out)["files"] == by_dirs["files"]
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if ".git" not in p.parts) == before
    assert os.listdir(tmp_path / "tmp") == []
