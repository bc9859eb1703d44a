"""REUSE trees (tui.core.reuse): the kind of tree, what a file's text says, REUSE.toml globs and precedence,
every LT7xx rule, the JSON and summary, exports, and edits followed by the watch. Agreement with the reuse
tool itself: test_reuse_agreement.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.core.reuse_cases import fake_repository, with_dep5, with_reuse_toml
from tui.cli import demo_tree
from tui.core.build import build_index
from tui.core.counting import FindingFilter
from tui.core.report import check_json, text_report
from tui.core.reuse.annotations import glob_regex, parse_dep5
from tui.core.reuse.detect import KERNEL, REUSE, tree_kind
from tui.core.reuse.extract import extract
from tui.core.rules import RULES
from tui.core.watch import apply_changes


def _tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def _doc(root: Path) -> dict:
    return check_json(build_index(str(root), use_cache=False, workers=1), FindingFilter())


def _files(doc: dict) -> dict[str, dict]:
    return {entry["path"]: entry for entry in doc["files"]}


def _rules(entry: dict) -> list[str]:
    return [finding["rule"] for finding in entry["findings"]]


# The kind of tree ------------------------------------------------------------------------------


def test_the_kind_of_tree_comes_from_what_is_in_it(tmp_path: Path):
    assert tree_kind(demo_tree()) == KERNEL
    fake_repository(tmp_path / "reuse")
    assert tree_kind(str(tmp_path / "reuse")) == REUSE
    _tree(tmp_path / "toml-only", {"REUSE.toml": "version = 1\n", "a.py": "x = 1\n"})
    assert tree_kind(str(tmp_path / "toml-only")) == REUSE
    _tree(tmp_path / "dep5-only", {".reuse/dep5": "Format: x\n"})
    assert tree_kind(str(tmp_path / "dep5-only")) == REUSE
    # The kernel's layout wins, whatever else is there; a tree with neither is read the kernel's way, as always.
    _tree(tmp_path / "kernel", {"LICENSES/preferred/GPL-2.0": "Valid-License-Identifier: GPL-2.0\n",
                                "LICENSES/README.txt": "x\n", "REUSE.toml": "version = 1\n"})
    assert tree_kind(str(tmp_path / "kernel")) == KERNEL
    _tree(tmp_path / "plain", {"a.c": "int a;\n"})
    assert tree_kind(str(tmp_path / "plain")) == KERNEL


def test_a_kernel_tree_is_read_as_before(tmp_path: Path):
    doc = check_json(build_index(demo_tree(), use_cache=False, workers=1), FindingFilter())
    assert doc["summary"]["kind"] == "kernel"
    assert all("reuse" not in entry for entry in doc["files"])
    assert not any(f["rule"].startswith("LT7") for entry in doc["files"] for f in entry["findings"])
    text, _severities = text_report(build_index(demo_tree(), use_cache=False, workers=1), FindingFilter())
    assert not text.splitlines()[-1].startswith("REUSE tree")


# What a file's text says ------------------------------------------------------------------------


def test_tags_anywhere_in_the_file_ignore_blocks_and_comment_ends():
    text = "".join(f"x = {i}\n" for i in range(30)) + "/* SPDX-License-Identifier: MIT */\n"
    assert extract(text).expressions == (("MIT", 31),)
    got = extract("# SPDX-FileCopyrightText: 2020 A\n# REUSE-IgnoreStart\n# SPDX-License-Identifier: MIT\n"
                  "# REUSE-IgnoreEnd\n# SPDX-License-Identifier: CC0-1.0\n")
    assert got.expressions == (("CC0-1.0", 5),) and got.copyrights == ("SPDX-FileCopyrightText: 2020 A",)
    assert extract("<!-- SPDX-License-Identifier: Apache-2.0 -->\n{# SPDX-License-Identifier: MIT #}\n").expressions \
        == (("Apache-2.0", 1), ("MIT", 2))
    assert extract("Copyright (C) 2001 Someone\n").copyrights == ("Copyright (C) 2001 Someone",)
    assert extract("© 2001 Someone\r\n").copyrights == ("© 2001 Someone",)
    assert extract("no copyright here: copyright\n") == extract("")  # 'Copyright' is case-sensitive
    unclosed = extract("SPDX-License-Identifier: MIT\nREUSE-IgnoreStart\nSPDX-License-Identifier: GPL-2.0\n")
    assert unclosed.expressions == (("MIT", 1),)


def test_reuse_toml_globs():
    def matches(glob: str, path: str) -> bool:
        import re

        return re.fullmatch(glob_regex(glob), path) is not None

    assert matches("doc/*", "doc/a.md") and not matches("doc/*", "doc/sub/a.md")
    assert matches("doc/**", "doc/sub/a.md") and matches("**/*.md", "a/b/c.md")
    assert matches("src/**/x.py", "src/x.py") and matches("src/**/x.py", "src/a/b/x.py")
    assert matches("a\\*b", "a*b") and not matches("a\\*b", "axb")
    assert matches("*.txt", "notes.txt") and not matches("*.txt", "dir/notes.txt")


def test_dep5_last_matching_paragraph_wins():
    dep5 = parse_dep5("Format: https://example.org\n\nFiles: *\nCopyright: 2020 A\nLicense: MIT\n\n"
                      "Files: doc/*.md\nCopyright: 2021 B\n 2022 C\nLicense: CC0-1.0\n Long text.\n")
    info = dep5.info_of("doc/sub/x.md")["aggregate"][0]  # dep5's * crosses directories
    assert info.expressions == (("CC0-1.0", 0),)
    assert info.copyrights == ("SPDX-FileCopyrightText: 2021 B", "SPDX-FileCopyrightText: 2022 C")
    assert dep5.info_of("src/a.c")["aggregate"][0].expressions == (("MIT", 0),)


# Effective licence and its source ----------------------------------------------------------------


def test_effective_licence_and_source_of_each_kind(tmp_path: Path):
    with_reuse_toml(tmp_path / "toml")
    _tree(tmp_path / "toml", {"img.png": b"\x89PNG\0\0binary", "img.png.license":
                              "SPDX-FileCopyrightText: 2020 A\nSPDX-License-Identifier: CC0-1.0\n"})
    files = _files(_doc(tmp_path / "toml"))
    assert files["doc/usage.md"]["effective"] == {"expression": "CC0-1.0", "source": "reuse-toml"}  # override
    assert files["src/source_code.py"]["effective"] == {"expression": "GPL-3.0-or-later", "source": "tag"}
    assert files["img.png"]["effective"] == {"expression": "CC0-1.0", "source": "sidecar"}
    assert files["img.png.license"]["status"] == "excluded" and files["img.png.license"]["effective"] is None
    assert files["doc/index.rst"]["status"] == "excluded"  # empty
    multiple = files["src/multiple_licenses.rs"]
    assert multiple["effective"]["expression"] == ("GPL-3.0-or-later AND (Apache-2.0 OR CC0-1.0 WITH "
                                                   "Autoconf-exception-3.0)")
    assert [p["source"] for p in multiple["reuse"]["expressions"]] == ["tag", "tag"]
    with_dep5(tmp_path / "dep5")
    files = _files(_doc(tmp_path / "dep5"))
    # dep5 adds to the file's own: the file's tag names the source.
    assert files["doc/usage.md"]["effective"] == {"expression": "CC0-1.0", "source": "tag"}
    assert [p["source"] for p in files["doc/usage.md"]["reuse"]["expressions"]] == ["dep5", "tag"]
    assert files["doc/notes.txt"]["effective"] == {"expression": "CC0-1.0", "source": "dep5"}


def test_summary_names_the_kind_and_counts_sources(tmp_path: Path):
    with_reuse_toml(tmp_path)
    index = build_index(str(tmp_path), use_cache=False, workers=1)
    doc = check_json(index, FindingFilter())
    assert doc["summary"]["kind"] == "reuse"
    assert doc["summary"]["sources"] == {"tag": 7, "sidecar": 0, "reuse-toml": 1, "dep5": 0}
    assert doc["summary"]["licenses"]["GPL-3.0-or-later"] == 6
    text, severities = text_report(index, FindingFilter())
    assert text.splitlines()[-1].startswith("REUSE tree, 15 files: 8 valid")
    assert severities == {"error": 0, "warning": 0, "info": 0}


# Every LT7xx rule ---------------------------------------------------------------------------------


TRIGGERS = {
    "LT700": "src/nothing.py",
    "LT701": "src/no_copyright.py",
    "LT702": "src/invalid.py",
    "LT703": "src/missing.py",
    "LT704": "LICENSES/BSD-3-Clause.txt",
    "LT705": "LICENSES/Foo-Licence.txt",
    "LT706": "LICENSES/GPL-2.0.txt",
    "LT707": "LICENSES/MIT",
    "LT708": "src/pipe",
    "LT709": "sub/REUSE.toml",
}


def test_every_reuse_rule_fires(tmp_path: Path):
    from tests.core.reuse_cases import non_compliance

    non_compliance(tmp_path)
    _tree(tmp_path, {"sub/REUSE.toml": "version = 'one'\n", "sub/a.py": "# SPDX-FileCopyrightText: 2020 A\n"
                                                                      "# SPDX-License-Identifier: CC0-1.0\n"})
    os.mkfifo(tmp_path / "src" / "pipe")
    files = _files(_doc(tmp_path))
    assert set(TRIGGERS) == {rule for rule in RULES if rule.startswith("LT7")}
    for rule, path in TRIGGERS.items():
        assert rule in _rules(files[path]), (rule, path, files[path]["findings"])
        assert RULES[rule].severity == "error"
    assert files["src/pipe"]["status"] == "unreadable"
    assert files["src/invalid.py"]["status"] == "invalid" and files["src/unknown_id.py"]["status"] == "invalid"
    assert files["src/deprecated.c"]["status"] == "valid"
    # Kernel rules never run on a REUSE tree: two tags, 'A OR B OR C', a tag past line 15 are all fine.
    assert not any(f["rule"][:3] in ("LT1", "LT2", "LT4", "LT5", "LT6", "LT9") for e in files.values()
                   for f in e["findings"])


# Edits, followed -----------------------------------------------------------------------------------


def test_edits_of_sidecars_reuse_toml_and_files_are_followed(tmp_path: Path):
    with_reuse_toml(tmp_path)
    index = build_index(str(tmp_path), use_cache=False, workers=1)
    assert index.get("LICENSES/Apache-2.0.txt").findings == ()
    # A sidecar appears: its file is judged by it.
    (tmp_path / "src" / "source_code.py.license").write_text("SPDX-FileCopyrightText: 2024 B\n"
                                                            "SPDX-License-Identifier: Apache-2.0\n")
    apply_changes(index, ["src/source_code.py.license"])
    assert index.get("src/source_code.py").effective == ("Apache-2.0", "sidecar")
    # REUSE.toml changes: every file it covers is judged again.
    (tmp_path / "REUSE.toml").write_text('version = 1\n\n[[annotations]]\npath = "doc/*"\nprecedence = "override"\n'
                                         'SPDX-FileCopyrightText = "2017 Jane Doe"\n'
                                         'SPDX-License-Identifier = "GPL-3.0-or-later"\n')
    update = apply_changes(index, ["REUSE.toml"])
    assert update.context_changed
    assert index.get("doc/usage.md").effective == ("GPL-3.0-or-later", "reuse-toml")
    # The last file using a licence stops using it: the licence file is unused now, and used again after.
    (tmp_path / "src" / "custom.py").write_text("# SPDX-FileCopyrightText: 2017 Jane Doe\n"
                                                "# SPDX-License-Identifier: CC0-1.0\n")
    update = apply_changes(index, ["src/custom.py"])
    assert "LICENSES/LicenseRef-custom.txt" in update.updated
    assert [f.rule for f in index.get("LICENSES/LicenseRef-custom.txt").findings] == ["LT704"]
    (tmp_path / "src" / "custom.py").write_text("# SPDX-FileCopyrightText: 2017 Jane Doe\n"
                                                "# SPDX-License-Identifier: LicenseRef-custom\n")
    apply_changes(index, ["src/custom.py"])
    assert index.get("LICENSES/LicenseRef-custom.txt").findings == ()


def test_the_cache_keeps_origins_and_a_changed_sidecar_is_read_again(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    with_reuse_toml(tree)
    _tree(tree, {"data.bin": b"\0\1", "data.bin.license": "SPDX-FileCopyrightText: 1 A\nSPDX-License-Identifier: MIT\n"})
    first = build_index(str(tree), workers=1)
    assert first.get("data.bin").effective == ("MIT", "sidecar")
    warm = build_index(str(tree), workers=1)
    assert warm.cached_count == len(warm) and warm.get("data.bin").origin == first.get("data.bin").origin
    (tree / "data.bin.license").write_text("SPDX-FileCopyrightText: 1 A\nSPDX-License-Identifier: CC0-1.0\n")
    again = build_index(str(tree), workers=1)
    assert again.get("data.bin").effective == ("CC0-1.0", "sidecar")


def test_exports_carry_the_licence_and_licenseref_texts(tmp_path: Path):
    from tui.core import export

    fake_repository(tmp_path / "tree")
    (tmp_path / "tree" / "LICENSES" / "LicenseRef-custom.txt").write_text("The custom licence's own text.\n")
    index = build_index(str(tmp_path / "tree"), use_cache=False, workers=1)
    out = tmp_path / "out.spdx.json"
    export.write(index, "spdx-json", str(out), FindingFilter())
    doc = json.loads(out.read_text())
    by_name = {f["fileName"]: f for f in doc["files"]}
    assert by_name["./src/custom.py"]["licenseInfoInFiles"] == ["LicenseRef-custom"]
    assert by_name["./src/source_code.py"]["licenseConcluded"] == "GPL-3.0-or-later"
    refs = {e["licenseId"]: e for e in doc["hasExtractedLicensingInfos"]}
    assert refs["LicenseRef-custom"]["extractedText"] == "The custom licence's own text."
    assert "REUSE tree" in doc["comment"]
    md = tmp_path / "out.md"
    export.write(index, "md", str(md), FindingFilter())
    assert "REUSE tree, " in md.read_text()


@pytest.mark.parametrize("select", ["LT7", "LT700"])
def test_rules_select_reuse_rules(select: str, capsys):
    from tui.cli import main

    assert main(["rules", "--select", select]) == 0
    assert "reuse-missing-licensing" in capsys.readouterr().out
