"""A path inside a tree is checked as part of that tree (issue 17, item 3).

`lictree check linux/drivers/net` uses the kernel's LICENSES/, COPYING and spdxexclude, reports
only the files under drivers/net, with paths relative to the tree's top (as spdxcheck.py prints
them), and gives each file the verdict the whole tree's check gives it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DEMO, OpenWatch, write_tree
from tui.cli import main
from tui.core import cache as cache_mod
from tui.core.build import build_index
from tui.core.counting import FindingFilter
from tui.core.report import check_json
from tui.core.watch import apply_changes

TREE = os.environ.get("LICTREE_KERNEL_TREE")
LINE_RE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<severity>error|warning|info) (?P<rule>[A-Z]+\d+) ")


def in_scope(path: str, scope: str) -> bool:
    return not scope or path == scope or path.startswith(scope + "/")


def find_tree(path: str) -> tuple:
    from tui.core.tree import find_tree  # (imported here: the tests of check's output run on the old code too)

    return find_tree(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_doc(capsys: pytest.CaptureFixture[str], path: str | Path, *more: str) -> dict:
    code, out, err = run(capsys, "check", str(path), "--format", "json", "--fail-on", "never", *more)
    assert code == 0 and err == "", err
    return json.loads(out)


def by_path(doc: dict) -> dict[str, dict]:
    return {entry["path"]: entry for entry in doc["files"]}


def assert_agrees(whole: dict, doc: dict, root: Path | str, scope: str) -> int:
    """The scoped check's files are the whole check's files under *scope*, with the same verdicts."""
    assert doc["root"] == str(root)
    expected = {path: entry for path, entry in by_path(whole).items() if in_scope(path, scope)}
    got = by_path(doc)
    assert sorted(got) == sorted(expected), f"{scope}: other files than the whole tree's"
    different = [path for path in got if got[path] != expected[path]]
    assert not different, f"{scope}: verdicts differ from the whole tree's for {different[:5]}"
    assert doc["summary"]["files"] == len(expected)
    assert doc["skipped"] == [entry for entry in whole["skipped"] if in_scope(entry["path"], scope)]
    return len(got)


def demo_scopes(root: Path) -> list[str]:
    """Every directory of the demo tree and a few of its files."""
    scopes = [os.path.relpath(d, root) for d, _dirs, _files in os.walk(root) if d != str(root)]
    return [*sorted(scopes), "drivers/misc/typo.c", "kernel/printk.c", "COPYING", "LICENSES/preferred/MIT"]


# Finding the tree ---------------------------------------------------------------------------------


def test_find_tree_goes_up_to_licenses_or_a_kernel_copying(demo_copy: Path, tmp_path: Path):
    assert find_tree(str(demo_copy / "drivers" / "net")) == (str(demo_copy), "drivers/net", True)
    assert find_tree(str(demo_copy / "drivers/net/foo.c")) == (str(demo_copy), "drivers/net/foo.c", True)
    assert find_tree(str(demo_copy)) == (str(demo_copy), "", True)
    assert find_tree(str(demo_copy / "drivers") + "/") == (str(demo_copy), "drivers", True)
    # No LICENSES/, but a COPYING that is the kernel's (4.14 and older had no LICENSES/).
    old = write_tree(tmp_path / "linux-4.14", {
        "COPYING": "   NOTE! This copyright does *not* cover user programs ... (the Linux\n kernel) is "
                   "copyrighted by me and others who actually wrote it.\n\n GNU GENERAL PUBLIC LICENSE\n",
        "tools/usb/usbip/COPYING": "GNU GENERAL PUBLIC LICENSE\n Version 2, June 1991\n",
        "tools/usb/usbip/src/a.c": "int a;\n",
    }, licenses=False)
    # A nested COPYING that is not the kernel's (tools/usb/usbip/COPYING) is not a tree's top.
    assert find_tree(str(old / "tools/usb/usbip/src")) == (str(old), "tools/usb/usbip/src", True)


def test_find_tree_falls_back_to_git_then_to_the_path_itself(tmp_path: Path):
    repo = write_tree(tmp_path / "project", {"src/lib/a.c": "// SPDX-License-Identifier: MIT\n"}, licenses=False)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert find_tree(str(repo / "src" / "lib")) == (str(repo), "src/lib", True)
    plain = write_tree(tmp_path / "plain", {"sub/b.c": "int b;\n"}, licenses=False)
    assert find_tree(str(plain / "sub")) == (str(plain / "sub"), "", False)
    # A file outside any tree, or a path that does not exist: as before (check_root says why not).
    assert find_tree(str(plain / "sub" / "b.c")) == (str(plain / "sub" / "b.c"), "", False)
    assert find_tree(str(plain / "nope")) == (str(plain / "nope"), "", False)


def test_find_tree_resolves_symlinks_and_keeps_the_spelling_of_the_top(demo_copy: Path, tmp_path: Path):
    (tmp_path / "linux-link").symlink_to(demo_copy)
    assert find_tree(str(tmp_path / "linux-link" / "drivers/net")) == (str(tmp_path / "linux-link"), "drivers/net",
                                                                       True)
    assert find_tree(str(tmp_path / "linux-link")) == (str(tmp_path / "linux-link"), "", True)
    # A link from outside into the tree: the tree is where the link leads (as git -C LINK would say).
    (tmp_path / "net-link").symlink_to(demo_copy / "drivers" / "net")
    assert find_tree(str(tmp_path / "net-link")) == (str(demo_copy), "drivers/net", True)


# check: the same verdicts as the whole tree's ------------------------------------------------------


def test_every_subtree_of_the_demo_gets_the_whole_trees_verdicts(capsys, demo_copy: Path):
    whole = check_doc(capsys, demo_copy, "--no-cache")
    compared = 0
    for scope in demo_scopes(demo_copy):
        compared += assert_agrees(whole, check_doc(capsys, demo_copy / scope, "--no-cache"), demo_copy, scope)
        compared += assert_agrees(whole, check_doc(capsys, demo_copy / scope), demo_copy, scope)  # cache: none yet
    assert compared > 2 * len(whole["files"])  # each file in several subtrees


def test_text_output_paths_are_relative_to_the_tree_root_and_ids_checked_against_licenses(capsys):
    code, out, err = run(capsys, "check", str(DEMO / "drivers"))
    lines = out.splitlines()
    assert code == 1 and err == ""
    assert "drivers/misc/typo.c:1: error LT101 Invalid License ID: GPL-2.0-onyl (ids checked against LICENSES/)" \
        in lines
    paths = {LINE_RE.match(line)["path"] for line in lines[:-1]}
    assert paths and all(path.startswith("drivers/") for path in paths)
    assert re.match(r"^kernel tree, 16 files under drivers: .*\(ids checked against LICENSES/\)$", lines[-1])
    # A file: that one file, by its tree-relative path.
    code, out, _ = run(capsys, "check", str(DEMO / "drivers/misc/typo.c"))
    assert code == 1 and out.splitlines()[0].startswith("drivers/misc/typo.c:1: error LT101 ")
    assert out.splitlines()[-1].startswith("kernel tree, 1 files under drivers/misc/typo.c: 0 valid, 0 untagged, 1 invalid")


def test_the_working_directory_inside_a_tree_is_a_scope_of_it(capsys, monkeypatch):
    monkeypatch.chdir(DEMO / "drivers" / "net")
    doc = check_doc(capsys, ".")
    assert doc["root"] == str(DEMO) and sorted(by_path(doc)) == [
        "drivers/net/bar.c", "drivers/net/foo.c", "drivers/net/foo.h", "drivers/net/wrongstyle.c"]
    code, out, _ = run(capsys, "check", "--fail-on", "never")
    assert code == 0 and out.splitlines()[-1].startswith("kernel tree, 4 files under drivers/net: ")


def test_a_subtree_of_a_git_tree_with_edits_untracked_files_and_symlinks(capsys, demo_copy: Path):
    git = ["git", "-C", str(demo_copy), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (demo_copy / "drivers/net/link.c").symlink_to("foo.c")
    (demo_copy / "drivers/net/dirlink").symlink_to("../misc")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "demo"], check=True)
    (demo_copy / "drivers/net/foo.h").write_text("/* SPDX-License-Identifier: GPL-2.0-onyl */\n")  # edited
    (demo_copy / "drivers/net/new.c").write_text("int new;\n")  # untracked
    (demo_copy / "kernel/other.c").write_text("int other;\n")  # untracked, outside
    whole = check_doc(capsys, demo_copy, "--no-cache")
    assert by_path(whole)["drivers/net/foo.h"]["status"] == "invalid" and "drivers/net/new.c" in by_path(whole)
    for scope in ("drivers/net", "drivers", "drivers/net/foo.h", "kernel"):
        assert_agrees(whole, check_doc(capsys, demo_copy / scope, "--no-cache"), demo_copy, scope)
    # With the tree's cache (made by a whole run): the same, and the unchanged tree's cache is sliced.
    assert check_doc(capsys, demo_copy) == whole
    for scope in ("drivers/net", "drivers/misc/typo.c"):
        assert_agrees(whole, check_doc(capsys, demo_copy / scope), demo_copy, scope)
    assert build_index(str(demo_copy), scope="drivers/net").read_count == 0


def test_a_path_inside_a_git_submodule_says_the_submodule_is_not_scanned(capsys, demo_copy: Path):
    git = ["git", "-C", str(demo_copy), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},drivers/sub"], check=True)
    subprocess.run([*git, "commit", "-qm", "demo"], check=True)
    (demo_copy / "drivers/sub/inner").mkdir(parents=True)
    (demo_copy / "drivers/sub/inner/x.c").write_text("int x;\n")
    subprocess.run(["git", "init", "-q", str(demo_copy / "drivers/sub")], check=True)
    whole = check_doc(capsys, demo_copy, "--no-cache")
    assert [entry["path"] for entry in whole["skipped"]] == ["drivers/sub"]
    doc = check_doc(capsys, demo_copy / "drivers/sub/inner")
    assert doc["root"] == str(demo_copy) and doc["files"] == [] and doc["skipped"] == whole["skipped"]
    assert_agrees(whole, check_doc(capsys, demo_copy / "drivers"), demo_copy, "drivers")


def test_the_git_top_level_is_the_tree_when_there_is_no_licenses(capsys, tmp_path: Path):
    repo = write_tree(tmp_path / "project", {"src/a.c": "// SPDX-License-Identifier: MIT\n",
                                             "src/b.c": "// SPDX-License-Identifier: GPL-2.0-onyl\n",
                                             "doc/c.c": "int c;\n"}, licenses=False)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    whole = check_doc(capsys, repo, "--no-cache")
    doc = check_doc(capsys, repo / "src")
    assert_agrees(whole, doc, repo, "src")
    assert sorted(by_path(doc)) == ["src/a.c", "src/b.c"] and doc["summary"]["licenses_from"] != "LICENSES/"


def test_a_directory_outside_any_tree_is_its_own_tree_as_before(capsys, tmp_path: Path):
    plain = write_tree(tmp_path / "plain", {"sub/b.c": "// SPDX-License-Identifier: MIT\n"}, licenses=False)
    doc = check_doc(capsys, plain / "sub")
    assert doc["root"] == str(plain / "sub") and list(by_path(doc)) == ["b.c"]
    code, _out, err = run(capsys, "check", str(plain / "sub" / "b.c"))
    assert code == 2 and "not a directory" in err


# The tree's cache ---------------------------------------------------------------------------------


def _cache_files(root: Path) -> dict[str, bytes]:
    path = cache_mod.cache_path(str(root))
    assert path is not None
    return {name: open(name, "rb").read() for name in (path, path[: -len(".pickle")] + ".columns.pickle")}


def test_a_scoped_run_uses_the_whole_trees_cache_and_never_replaces_it(capsys, demo_copy: Path):
    code, whole_text, _ = run(capsys, "check", str(demo_copy))  # the whole tree, its report kept with the cache
    saved = _cache_files(demo_copy)
    index = build_index(str(demo_copy), scope="drivers")
    assert index.read_count == 0 and len(index) == 16 and all(p.startswith("drivers/") for p in index.paths)
    code, out, _ = run(capsys, "check", str(demo_copy / "drivers"))
    assert out != whole_text and all(line.startswith("drivers/") for line in out.splitlines()[:-1])
    assert out.splitlines()[-1].startswith("kernel tree, 16 files under drivers: ")
    assert _cache_files(demo_copy) == saved  # nothing was read: the whole tree's cache is left as it was
    assert run(capsys, "check", str(demo_copy))[1] == whole_text


def test_what_a_scoped_run_reads_is_merged_into_the_trees_cache(capsys, demo_copy: Path):
    whole_before = check_doc(capsys, demo_copy)  # a whole-tree cache
    (demo_copy / "drivers/net/foo.c").write_text("// SPDX-License-Identifier: GPL-2.0-onyl\n")
    (demo_copy / "kernel/printk.c").write_text("// SPDX-License-Identifier: MIT\n")
    index = build_index(str(demo_copy), scope="drivers/net")
    assert index.read_count == 1 and index.verdict("drivers/net/foo.c") == "invalid"
    again = build_index(str(demo_copy))  # the other files' verdicts are still cached, foo.c's is the new one
    assert again.read_count == 1 and again.verdict("kernel/printk.c") == "valid"
    whole = check_doc(capsys, demo_copy, "--no-cache")
    assert check_doc(capsys, demo_copy) == whole != whole_before


def test_a_cold_scoped_run_reads_only_the_files_of_its_scope(demo_copy: Path):
    watch = OpenWatch(*(Path(d) for d, _dirs, _files in os.walk(demo_copy)))
    index = build_index(str(demo_copy), scope="drivers/net")
    opened = {os.path.relpath(path, demo_copy) for path in watch.collect()}
    assert len(index) == 4 and index.read_count == 4
    # The tree's context (LICENSES/, COPYING, spdxexclude) is read from its top; no other file or
    # directory is opened (the tree is not walked: drivers/net is).
    outside = {path for path in opened if not in_scope(path, "drivers/net") and not in_scope(path, "LICENSES")}
    assert outside == {"COPYING", "scripts/spdxexclude"}
    assert {"drivers/net/foo.c", "drivers/net/bar.c"} <= opened and "COPYING" in opened


def test_a_scoped_index_takes_no_file_from_outside_its_scope(demo_copy: Path):
    """(`check --watch` on a subtree follows the whole tree's changes, and keeps to its scope.)"""
    index = build_index(str(demo_copy), scope="drivers/net", use_cache=False)
    (demo_copy / "kernel/new.c").write_text("int x;\n")
    (demo_copy / "drivers/net/new.c").write_text("int x;\n")
    update = apply_changes(index, ["kernel/new.c", "drivers/net/new.c", "kernel"])
    assert update.updated == ["drivers/net/new.c"] and index.paths[-1] == "drivers/net/wrongstyle.c"
    assert all(path.startswith("drivers/net/") for path in index.paths)


# export ---------------------------------------------------------------------------------------------


def test_export_of_a_subtree_with_a_filter(capsys, tmp_path: Path):
    out = tmp_path / "report.json"
    code, _, err = run(capsys, "export", str(DEMO / "drivers/net"), "--filter", "license:MIT", "-o", str(out))
    assert code == 0 and err == ""
    doc = json.loads(out.read_text())
    paths = [entry["path"] for entry in doc["files"]]
    assert paths and all(path.startswith("drivers/net/") for path in paths)
    # The whole tree's export with the same filter, kept to drivers/net: the same files, the same entries.
    whole_out = tmp_path / "whole.json"
    assert run(capsys, "export", str(DEMO), "--filter", "license:MIT", "-o", str(whole_out))[0] == 0
    whole = [entry for entry in json.loads(whole_out.read_text())["files"] if entry["path"].startswith("drivers/net/")]
    assert doc["files"] == whole and len(whole) < len(json.loads(whole_out.read_text())["files"])


# The real kernel ------------------------------------------------------------------------------------

KERNEL_SCOPES = ("drivers/net", "tools/usb/usbip", "LICENSES", "include/uapi/linux", "arch/arm64/boot/dts",
                 "scripts", "drivers/net/dummy.c", "Documentation/devicetree/bindings/net")


@pytest.fixture(scope="module")
def kernel_whole() -> dict:
    if not TREE:
        pytest.skip("LICTREE_KERNEL_TREE is not set")
    return check_json(build_index(TREE, use_cache=False), FindingFilter())


@pytest.mark.skipif(not TREE, reason="LICTREE_KERNEL_TREE is not set")
def test_kernel_subtrees_get_the_whole_trees_verdicts(capsys, kernel_whole: dict, tmp_path: Path):
    root = os.path.abspath(TREE or "")
    link = tmp_path / "linux"  # the tree by another name: paths still relative to its top
    link.symlink_to(root)
    # Every top-level entry (so every file of the tree), and a few deeper places.
    scopes = [*sorted(name for name in os.listdir(root) if name != ".git"), *KERNEL_SCOPES]
    compared = 0
    for scope in scopes:
        compared += assert_agrees(kernel_whole, check_doc(capsys, os.path.join(root, scope), "--no-cache"), root, scope)
    assert compared > len(kernel_whole["files"])
    doc = check_doc(capsys, link / "drivers" / "net")  # cold, then with the cache it made
    assert_agrees(kernel_whole, doc, link, "drivers/net")
    assert check_doc(capsys, link / "drivers" / "net") == doc
    code, out, _ = run(capsys, "check", str(link / "drivers" / "net"), "--fail-on", "never")
    lines = out.splitlines()
    assert all(LINE_RE.match(line)["path"].startswith("drivers/net/") for line in lines[:-1])
    assert lines[-1].startswith(f"kernel tree, {len(by_path(doc))} files under drivers/net: ") and "(ids checked against LICENSES/)" in lines[-1]
    with capsys.disabled():
        print(f"\n{compared} files compared in {len(scopes)} subtrees: all equal to the whole tree's check")



def test_reports_of_a_path_say_so_and_an_empty_one_is_written(tmp_path, capsys):
    """A report of a path inside a tree names the path (JSON "scope", the md title, the SPDX comment),
    and an export whose selection is empty (a filter matching nothing) is written, in every format."""
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root)
    assert main(["check", str(root / "drivers"), "--format", "json", "--fail-on", "never", "--no-cache"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scope"] == "drivers" and all(f["path"].startswith("drivers/") for f in doc["files"])
    assert main(["check", str(root / "drivers"), "--fail-on", "never", "--no-cache"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"kernel tree, {len(doc['files'])} files under drivers: ")
    assert main(["export", str(root / "drivers"), "--format", "md", "-o", str(tmp_path / "r.md"), "--no-cache"]) == 0
    assert "Licenses of demo/drivers" in (tmp_path / "r.md").read_text()
    assert main(["export", str(root / "drivers"), "--format", "spdx-tv", "-o", str(tmp_path / "r.spdx"),
                 "--no-cache"]) == 0
    assert "under drivers only" in (tmp_path / "r.spdx").read_text()
    for fmt in ("json", "csv", "md", "html", "spdx-json", "spdx-tv", "sarif"):
        out = tmp_path / f"empty.{fmt}"
        assert main(["export", str(root), "--format", fmt, "--filter", "path:nothing/here", "-o", str(out),
                     "--no-cache"]) == 0, fmt
        assert out.stat().st_size > 0
