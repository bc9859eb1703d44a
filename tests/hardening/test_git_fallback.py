"""A tree whose git is broken, refused or redirected is still listed completely: by walking it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.core.test_index import git, make_git_tree
from tests.hardening.conftest import check_tree
from tui.core.build import build_index

REPO = Path(__file__).resolve().parents[2]
FILES = {"a.c": "// SPDX-License-Identifier: MIT\n", "ignored.o.c": "// SPDX-License-Identifier: GPL-2.0\n"}


def test_a_corrupt_git_inside_another_repository_is_walked(capsys, tmp_path: Path):
    """git must not answer for the enclosing repository (whose .gitignore would hide files)."""
    outer = make_git_tree(tmp_path / "outer", {".gitignore": "inner/ignored.o.c\n"})
    inner = write_tree(outer / "inner", FILES)
    (inner / ".git").mkdir()
    (inner / ".git" / "HEAD").write_text("garbage\n")
    index = build_index(str(inner), use_cache=False)
    assert index.method == "scandir"
    run = check_tree(capsys, inner)
    assert run.status("ignored.o.c") == "valid" and run.status("a.c") == "valid"
    assert not [p for p in run.files if p.startswith(".git")]


def test_a_git_file_pointing_nowhere_is_walked_and_not_listed(capsys, tmp_path: Path):
    root = write_tree(tmp_path / "t", FILES)
    (root / ".git").write_text("gitdir: /nonexistent/worktrees/t\n")
    (root / "sub").mkdir()
    (root / "sub" / ".git").write_text("gitdir: ../../nowhere\n")
    assert build_index(str(root), use_cache=False).method == "scandir"
    run = check_tree(capsys, root)
    assert ".git" not in run.files and "sub/.git" not in run.files  # git's own data, as git ls-files
    assert run.status("a.c") == "valid"


def test_dubious_ownership_falls_back_to_walking(capsys, tmp_path: Path):
    root = make_git_tree(tmp_path / "t", FILES)
    (root / "untracked.c").write_text("int x;\n")
    if os.geteuid() != 0:
        pytest.skip("needs root to give the tree to another user")
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, 4242, 4242)
    refused = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True)
    if refused.returncode == 0:
        pytest.skip("this git does not check ownership")
    assert "dubious ownership" in refused.stderr
    assert build_index(str(root), use_cache=False).method == "scandir"
    run = check_tree(capsys, root)
    assert {"a.c", "ignored.o.c", "untracked.c"} <= set(run.files)


def check_json_subprocess(root: Path, env: dict[str, str]) -> dict:
    """`python3 -m tui.cli check ROOT --format json` in a fresh process with *env* (read at import)."""
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "check", str(root), "--format", "json", "--no-cache"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1) and proc.stderr == "", proc.stderr
    return json.loads(proc.stdout)


def test_no_git_on_path_falls_back_to_walking(tmp_path: Path):
    root = make_git_tree(tmp_path / "t", FILES)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    doc = check_json_subprocess(root, {**os.environ, "PATH": str(empty)})
    paths = {entry["path"] for entry in doc["files"]}
    assert {"a.c", "ignored.o.c"} <= paths and not [p for p in paths if p.startswith(".git")]


def test_git_dir_from_a_hook_does_not_redirect_the_listing(tmp_path: Path):
    """A pre-commit hook runs lictree with GIT_DIR, GIT_INDEX_FILE and GIT_WORK_TREE set for its own repository."""
    other = make_git_tree(tmp_path / "other", {"other.c": "int x;\n"})
    root = make_git_tree(tmp_path / "t", FILES)
    (root / "untracked.c").write_text("int y;\n")
    env = {**os.environ, "GIT_DIR": str(other / ".git"), "GIT_INDEX_FILE": str(other / ".git" / "index"),
           "GIT_WORK_TREE": str(other)}
    paths = {entry["path"] for entry in check_json_subprocess(root, env)["files"]}
    assert {"a.c", "untracked.c"} <= paths and "other.c" not in paths


def test_a_submodule_is_reported_as_not_scanned(capsys, tmp_path: Path):
    root = make_git_tree(tmp_path / "t", FILES)
    git(root, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},vendor/lib")
    (root / "vendor" / "lib").mkdir(parents=True)
    run = check_tree(capsys, root)
    assert run.skipped["vendor/lib"]["reason"] == "git submodule: not scanned"
    assert run.lines[-1].endswith("; 1 not scanned: symlinks to directories, git submodules (see --format json)")
