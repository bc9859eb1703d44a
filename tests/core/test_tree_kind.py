"""The kind of tree lictree read (issue 14): `check`'s summary, SARIF and every `lictree export` format say
whether it is a kernel tree or a REUSE tree; a REUSE tree's SPDX documents carry each file's copyright.
The trees: the demo (a kernel tree) and tui/demo/reuse-demo (a REUSE tree)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import DEMO
from tui.cli import main
from tui.core import export
from tui.core.build import build_index

DEMO_TREE = str(DEMO)
REUSE_DEMO = os.path.join(os.path.dirname(DEMO_TREE), "reuse-demo")
#: (tree, the kind as JSON and SARIF say it, as the text says it)
KINDS = [(DEMO_TREE, "kernel", "kernel tree"), (REUSE_DEMO, "reuse", "REUSE tree")]
KIND_IDS = ["kernel", "reuse"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def export_text(capsys, tmp_path: Path, tree: str, fmt: str) -> str:
    target = tmp_path / f"report{export.FORMATS[fmt]}"
    code, out, err = run(capsys, "export", tree, "--no-cache", "--format", fmt, "-o", str(target))
    assert (code, out, err) == (0, "", "")
    return target.read_text(encoding="utf-8")


@pytest.mark.parametrize(("tree", "kind", "named"), KINDS, ids=KIND_IDS)
def test_check_says_which_kind_of_tree_it_read(capsys, tree: str, kind: str, named: str):
    _code, out, _err = run(capsys, "check", tree, "--no-cache")
    last = out.splitlines()[-1]
    assert last.startswith(f"{named}, "), last
    assert re.match(rf"^{named}, \d+ files: \d+ valid", last)
    _code, out, _err = run(capsys, "check", tree, "--no-cache", "--format", "json")
    assert json.loads(out)["summary"]["kind"] == kind
    _code, out, _err = run(capsys, "check", tree, "--no-cache", "--format", "sarif")
    assert json.loads(out)["runs"][0]["properties"]["treeKind"] == kind


@pytest.mark.parametrize(("tree", "kind", "named"), KINDS, ids=KIND_IDS)
def test_every_export_says_which_kind_of_tree(capsys, tmp_path, tree: str, kind: str, named: str):
    other = "REUSE tree" if kind == "kernel" else "kernel tree"
    doc = json.loads(export_text(capsys, tmp_path, tree, "json"))
    assert doc["summary"]["kind"] == kind
    sarif = json.loads(export_text(capsys, tmp_path, tree, "sarif"))
    assert sarif["runs"][0]["properties"]["treeKind"] == kind
    # CSV has no summary: its last column, the same in every row
    rows = list(csv.reader(io.StringIO(export_text(capsys, tmp_path, tree, "csv"))))
    assert rows[0][-1] == "tree"
    assert {row[-1] for row in rows[1:]} == {kind}
    assert len(rows) - 1 == doc["summary"]["files"]
    # Markdown: the summary line under the title
    md = export_text(capsys, tmp_path, tree, "md").splitlines()
    assert md[2].startswith(f"{named}, {doc['summary']['files']} files: ")
    assert other not in "\n".join(md)
    # HTML: the totals line, its data-kind, and the tree's line
    page = export_text(capsys, tmp_path, tree, "html")
    totals = re.search(r'<p id="totals" data-files="\d+" data-kind="(\w+)">([^<]*)</p>', page)
    assert totals is not None and totals.group(1) == kind and totals.group(2).startswith(f"{named}, ")
    assert f"</code>, a {named}. " in page
    # SPDX: the document's comment
    spdx = json.loads(export_text(capsys, tmp_path, tree, "spdx-json"))
    assert spdx["comment"].startswith(f"Licenses of {len(spdx['files'])} files of a {named} read by lictree")
    tv = export_text(capsys, tmp_path, tree, "spdx-tv")
    assert f"\nDocumentComment: Licenses of {len(spdx['files'])} files of a {named} read by lictree" in tv


def test_markdown_and_html_say_how_a_reuse_tree_is_read(capsys, tmp_path):
    md = export_text(capsys, tmp_path, REUSE_DEMO, "md")
    assert "worked out as the REUSE specification 3.3 says" in md
    assert "COPYING default: `none`" not in md  # the kernel's sentence is not a REUSE tree's
    kernel_md = export_text(capsys, tmp_path, DEMO_TREE, "md")
    assert "REUSE specification" not in kernel_md and "else the COPYING default: `" in kernel_md


# A REUSE tree's SPDX documents: each file's licence and copyright ---------------------------------


def parse_and_validate(text: str, suffix: str, tmp_path: Path):
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    path = tmp_path / f"parsed{suffix}"
    path.write_text(text, encoding="utf-8")
    document = parse_file(str(path))
    assert validate_full_spdx_document(document) == []
    return document


@pytest.mark.parametrize("fmt", ["spdx-json", "spdx-tv"])
def test_spdx_of_a_reuse_tree_carries_each_files_licence_and_copyright(capsys, tmp_path, fmt):
    document = parse_and_validate(export_text(capsys, tmp_path, REUSE_DEMO, fmt), export.FORMATS[fmt], tmp_path)
    files = {f.name: f for f in document.files}
    # in the file: two copyright lines, an OR expression
    engine = files["./src/app/engine.c"]
    assert str(engine.license_concluded) == "Apache-2.0 OR MIT"
    assert engine.copyright_text.splitlines() == ["SPDX-FileCopyrightText: 2022 Jane Doe <jane@example.org>",
                                                  "SPDX-FileCopyrightText: 2023 John Roe"]
    # from its .license sidecar
    logo = files["./assets/logo.png"]
    assert (str(logo.license_concluded), logo.copyright_text) == (
        "CC0-1.0", "SPDX-FileCopyrightText: 2024 Jane Doe <jane@example.org>")
    # from REUSE.toml (closest: the file says nothing) and its override
    guide = files["./docs/guide.md"]
    assert (str(guide.license_concluded), guide.copyright_text) == (
        "CC-BY-4.0", "SPDX-FileCopyrightText: 2024 The reuse-demo authors")
    star = files["./assets/icons/star.svg"]
    assert (str(star.license_concluded), star.copyright_text) == (
        "CC0-1.0", "SPDX-FileCopyrightText: 2023 Icon Designer <icons@example.org>")
    # a LicenseRef of LICENSES/, with its text as extracted licensing information
    acme = files["./src/vendor/acme.js"]
    assert str(acme.license_concluded) == "LicenseRef-acme"
    assert acme.copyright_text == "SPDX-FileCopyrightText: 2019 ACME Corp."
    refs = {e.license_id: e for e in document.extracted_licensing_info}
    with open(os.path.join(REUSE_DEMO, "LICENSES", "LicenseRef-acme.txt"), encoding="utf-8") as handle:
        assert refs["LicenseRef-acme"].extracted_text == handle.read().strip("\n")
    # no copyright, no licensing: NOASSERTION
    todo = files["./src/app/todo.rb"]
    assert str(todo.copyright_text) == "NOASSERTION" and str(todo.license_concluded) == "NOASSERTION"
    assert str(files["./LICENSES/MIT.txt"].copyright_text) == "NOASSERTION"  # not covered by REUSE


def test_spdx_of_a_kernel_tree_has_no_file_copyright(capsys, tmp_path):
    doc = json.loads(export_text(capsys, tmp_path, DEMO_TREE, "spdx-json"))
    assert not any("copyrightText" in f for f in doc["files"])


def test_spdx_copyright_of_dep5_and_text_from_the_tree_stays_data(tmp_path):
    """dep5's copyright adds to the file's own; a copyright with quotes, markup and a backslash is written as it
    is in JSON and tag-value, exactly as spdx-tools writes the whole document."""
    from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream as write_json
    from spdx_tools.spdx.writer.tagvalue.tagvalue_writer import write_document_to_stream as write_tv

    from tui.core.spdx import build_plan

    root = tmp_path / "t"
    shutil.copytree(REUSE_DEMO, root)
    os.remove(root / "REUSE.toml")
    (root / ".reuse").mkdir()
    (root / ".reuse" / "dep5").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: docs/*\nCopyright: 2024 Doc Writer\nLicense: CC-BY-4.0\n", encoding="utf-8")
    (root / "src" / "odd.py").write_text(
        '# SPDX-FileCopyrightText: 2024 "Q" [bold]Corp[/bold] \\ <b>&amp;</b>\n# SPDX-License-Identifier: MIT\n',
        encoding="utf-8")
    plan = build_plan(build_index(str(root), use_cache=False, workers=1))
    document = plan.document()
    files = {f.name: f for f in document.files}
    assert files["./docs/guide.md"].copyright_text == "SPDX-FileCopyrightText: 2024 Doc Writer"
    assert files["./src/odd.py"].copyright_text == 'SPDX-FileCopyrightText: 2024 "Q" [bold]Corp[/bold] \\ <b>&amp;</b>'
    ours, theirs = io.StringIO(), io.StringIO()
    plan.write_json(ours)
    write_json(document, theirs)
    assert json.loads(ours.getvalue()) == json.loads(theirs.getvalue())
    ours, theirs = io.StringIO(), io.StringIO()
    plan.write_tv(ours)
    write_tv(document, theirs)
    assert ours.getvalue() == theirs.getvalue()
    assert plan.validate() == []
