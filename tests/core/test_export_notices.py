"""Every export format and `check`'s text and SARIF give each file's effective licence and its source:
the tag, else the licence notice of an untagged file, else the COPYING default (issue 13).

On the demo tree: drivers/gpu/amd/amd_demo.c is untagged with an MIT notice (lines 4-20),
drivers/staging/oldboard.c untagged with a GPL-2.0-or-later notice (lines 6-14),
drivers/staging/retagged.c tagged GPL-2.0-only with a GPL-2.0-or-later notice (LT601), and
kernel/printk.c untagged without a notice (the COPYING default).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import DEMO, write_tree
from tests.core.test_export import export_file, file_data, keyed, md_tables, parse_and_validate, parse_page, run
from tui.core import export
from tui.core.build import build_index
from tui.core.notices.notice import Notice

AMD, OLDBOARD, RETAGGED, PRINTK = ("drivers/gpu/amd/amd_demo.c", "drivers/staging/oldboard.c",
                                   "drivers/staging/retagged.c", "kernel/printk.c")
COPYING_DEFAULT = "GPL-2.0 WITH Linux-syscall-note"
SOURCES = {"tag": 33, "notice": 2, "copying": 3}
KERNEL = os.environ.get("LICTREE_KERNEL_TREE", "")


def demo_json(capsys) -> dict:
    code, out, _err = run(capsys, "check", "--demo", "--format", "json")
    assert code == 1
    return json.loads(out)


def test_json_says_each_files_effective_licence_and_the_sources(capsys, tmp_path):
    doc = json.loads(export_file(capsys, tmp_path, str(DEMO), "json").read_text())
    files = {f["path"]: f for f in doc["files"]}
    assert files[AMD]["effective"] == {"expression": "MIT", "source": "notice"}
    assert files[AMD]["notice"] == {"expression": "MIT", "line": 4, "end_line": 20, "score": 100,
                                    "rule": "mit_59.RULE"}
    assert files[OLDBOARD]["effective"] == {"expression": "GPL-2.0-or-later", "source": "notice"}
    assert files[RETAGGED]["effective"] == {"expression": "GPL-2.0-only", "source": "tag"}
    assert files[RETAGGED]["notice"]["expression"] == "GPL-2.0-or-later"
    assert files[PRINTK]["effective"] == {"expression": COPYING_DEFAULT, "source": "copying"}
    assert doc["summary"]["sources"] == SOURCES
    assert doc["summary"]["notice_expressions"] == {"MIT": 1, "GPL-2.0-or-later": 1}


def test_text_check_names_the_sources_and_the_tag_to_add(capsys):
    code, out, _err = run(capsys, "check", "--demo")
    assert code == 1
    lines = out.splitlines()
    assert ("drivers/gpu/amd/amd_demo.c:4: warning LT600 no SPDX-License-Identifier; the notice (lines 4-20, "
            "rule mit_59.RULE, score 100) grants MIT: add '// SPDX-License-Identifier: MIT' on line 1") in lines
    assert any(line.startswith("drivers/staging/retagged.c:1: error LT601 line 1 tags GPL-2.0-only, but the "
                               "notice (lines 5-8") for line in lines)
    assert not any(line.startswith((AMD + ":", OLDBOARD + ":")) and "LT100" in line for line in lines)
    assert "; licence sources: 33 tag, 2 notice, 3 COPYING default; " in lines[-1]
    assert lines[-1].startswith("kernel tree, 52 files: 29 valid, 5 untagged, 4 invalid, 0 unreadable, 14 excluded; ")


def test_csv_appends_the_effective_licence_source_and_notice(capsys, tmp_path):
    with export_file(capsys, tmp_path, str(DEMO), "csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    # the columns consumers knew come first, in their order
    assert rows[0][:9] == ["path", "status", "expression", "line", "licenses", "classes", "severity", "rules",
                           "findings"]
    assert rows[0][9:] == ["effective", "source", "notice", "notice_lines", "notice_score", "notice_rule", "tree"]
    by_path = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    amd = by_path[AMD]
    assert (amd["status"], amd["expression"], amd["rules"]) == ("untagged", "", "LT600")
    assert [amd[c] for c in rows[0][9:]] == ["MIT", "notice", "MIT", "4-20", "100", "mit_59.RULE", "kernel"]
    assert [by_path[OLDBOARD][c] for c in rows[0][9:]] == ["GPL-2.0-or-later", "notice", "GPL-2.0-or-later",
                                                            "6-14", "100", "gpl-2.0-plus_90.RULE", "kernel"]
    retagged = by_path[RETAGGED]
    assert (retagged["effective"], retagged["source"], retagged["notice"], retagged["notice_lines"]) == (
        "GPL-2.0-only", "tag", "GPL-2.0-or-later", "5-8")
    assert retagged["rules"] == "LT601"
    assert [by_path[PRINTK][c] for c in rows[0][9:]] == [COPYING_DEFAULT, "copying", "", "", "", "", "kernel"]
    excluded = by_path["LICENSES/preferred/MIT"]
    assert (excluded["effective"], excluded["source"]) == ("", "")
    sources = {s: sum(1 for r in by_path.values() if r["source"] == s) for s in SOURCES}
    assert sources == SOURCES


def test_markdown_shows_the_sources_and_the_effective_licences(capsys, tmp_path):
    text = export_file(capsys, tmp_path, str(DEMO), "md").read_text()
    tables = md_tables(text)
    sources = {row[0]: int(row[1]) for row in tables["Where the licences come from"][1:]}
    assert sources == {"tag": 33, "notice": 2, "COPYING default": 3}
    effective = {(row[0].strip("`"), row[1]): int(row[2]) for row in tables["Files by effective licence"][1:]}
    assert effective[("MIT", "notice")] == 1
    assert effective[("GPL-2.0-or-later", "notice")] == 1
    assert effective[(COPYING_DEFAULT, "COPYING default")] == 3
    assert effective[("GPL-2.0-only", "tag")] == 4  # retagged.c among them: its tag, not its notice
    assert sum(effective.values()) == sum(SOURCES.values())
    assert "licence sources: 33 tag, 2 notice, 3 COPYING default" in text.splitlines()[2]


def test_html_shows_the_sources_and_each_files_effective_licence(capsys, tmp_path):
    text = export_file(capsys, tmp_path, str(DEMO), "html").read_text()
    page = parse_page(text)
    assert keyed(page, "sources") == SOURCES
    effective = {key: int(cells[2]) for key, cells in page.tables["effective"] if key}
    assert effective["notice:MIT"] == 1 and effective["notice:GPL-2.0-or-later"] == 1
    assert effective[f"copying:{COPYING_DEFAULT}"] == 3
    header = next(cells for key, cells in page.tables["files"] if key is None)
    assert header == ["Path", "Status", "Expression", "Line", "Effective licence", "Source", "Findings"]
    rows = {row[0]: row for row in file_data(text)}
    assert rows[AMD][1:6] == ["untagged", "", "", "MIT", "notice (lines 4-20, score 100, rule mit_59.RULE)"]
    assert rows[AMD][6].startswith("LT600 warning: ")
    assert rows[OLDBOARD][4:6] == ["GPL-2.0-or-later", "notice (lines 6-14, score 100, rule gpl-2.0-plus_90.RULE)"]
    assert rows[RETAGGED][4:6] == ["GPL-2.0-only", "tag"] and rows[RETAGGED][6].startswith("LT601 error: ")
    assert rows[PRINTK][4:6] == [COPYING_DEFAULT, "COPYING default"]
    assert rows["LICENSES/preferred/MIT"][4:6] == ["", ""]
    assert "Files by licence source" in text  # the chart


def sarif_results(capsys, *extra: str) -> tuple[dict, dict[tuple[str, str], dict]]:
    code, out, _err = run(capsys, "check", *extra, "--format", "sarif")
    assert code == 1
    doc = json.loads(out)
    results = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"]): r
               for r in doc["runs"][0]["results"]}
    return doc, results


def test_sarif_fixes_insert_the_tag_and_related_locations_point_at_the_notice(capsys):
    doc, results = sarif_results(capsys, "--demo")
    assert doc["runs"][0]["properties"]["licenseSources"] == SOURCES
    amd = results[(AMD, "LT600")]
    assert amd["locations"][0]["physicalLocation"]["region"] == {"startLine": 4, "endLine": 20}
    assert amd["properties"] == {"effectiveLicense": "MIT", "licenseSource": "notice"}
    (fix,) = amd["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": AMD, "uriBaseId": "SRCROOT"}
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
        "insertedContent": {"text": "// SPDX-License-Identifier: MIT\n"},
    }]
    assert "// SPDX-License-Identifier: MIT" in fix["description"]["text"]
    assert "'// SPDX-License-Identifier: MIT' on line 1" in amd["message"]["text"]
    assert results[(OLDBOARD, "LT600")]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"] == {
        "text": "// SPDX-License-Identifier: GPL-2.0-or-later\n"}
    retagged = results[(RETAGGED, "LT601")]
    assert retagged["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    (related,) = retagged["relatedLocations"]
    assert related["physicalLocation"] == {"artifactLocation": {"uri": RETAGGED, "uriBaseId": "SRCROOT"},
                                           "region": {"startLine": 5, "endLine": 8}}
    assert "GPL-2.0-or-later" in related["message"]["text"] and "gpl-2.0-plus_64.RULE" in related["message"]["text"]
    assert retagged["properties"] == {"effectiveLicense": "GPL-2.0-only", "licenseSource": "tag"}
    assert "fixes" not in retagged
    assert results[(PRINTK, "LT100")]["properties"] == {"effectiveLicense": COPYING_DEFAULT,
                                                        "licenseSource": "copying"}
    assert "properties" not in results[("LICENSES/preferred/MIT", "LT904")]  # excluded: no licence


SCRIPT_NOTICE = """#!/bin/sh
#
# oldtool - a demo script
#
# This program is free software; you can redistribute it and/or modify
# it under the terms of the GNU General Public License as published by
# the Free Software Foundation; either version 2 of the License, or
# (at your option) any later version.
#
echo oldtool
"""


def apply_sarif_fixes(root: Path, doc: dict) -> list[str]:
    """Apply every fix of the SARIF document (insertions at a line's start) to the files under *root*."""
    changed = []
    for result in doc["runs"][0]["results"]:
        for fix in result.get("fixes", ()):
            for change in fix["artifactChanges"]:
                path = root / change["artifactLocation"]["uri"]
                lines = path.read_text().splitlines(keepends=True)
                for replacement in change["replacements"]:
                    region = replacement["deletedRegion"]
                    assert region["startColumn"] == region["endColumn"] == 1
                    assert region["startLine"] == region["endLine"]
                    lines.insert(region["startLine"] - 1, replacement["insertedContent"]["text"])
                path.write_text("".join(lines))
                changed.append(change["artifactLocation"]["uri"])
    return changed


def test_applying_the_sarif_fixes_makes_the_files_valid_with_the_notices_licence(capsys, demo_copy):
    (demo_copy / "scripts/oldtool.sh").write_text(SCRIPT_NOTICE)
    doc, results = sarif_results(capsys, str(demo_copy))
    insertion = results[("scripts/oldtool.sh", "LT600")]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert insertion["deletedRegion"]["startLine"] == 2  # after the #! line
    assert insertion["insertedContent"]["text"] == "# SPDX-License-Identifier: GPL-2.0-or-later\n"
    changed = apply_sarif_fixes(demo_copy, doc)
    assert sorted(changed) == sorted([AMD, OLDBOARD, "scripts/oldtool.sh"])
    code, out, _err = run(capsys, "check", str(demo_copy), "--format", "json")
    files = {f["path"]: f for f in json.loads(out)["files"]}
    for path, licence in ((AMD, "MIT"), (OLDBOARD, "GPL-2.0-or-later"), ("scripts/oldtool.sh", "GPL-2.0-or-later")):
        assert files[path]["status"] == "valid", path
        assert files[path]["effective"] == {"expression": licence, "source": "tag"}
        assert files[path]["findings"] == [], path


@pytest.mark.parametrize("fmt", ["spdx-json", "spdx-tv"])
def test_spdx_concludes_a_notices_licence_and_never_declares_it(capsys, tmp_path, fmt):
    document = parse_and_validate(export_file(capsys, tmp_path, str(DEMO), fmt))
    files = {f.name: f for f in document.files}
    amd = files["./" + AMD]
    assert str(amd.license_concluded) == "MIT"
    assert [str(e) for e in amd.license_info_in_file] == ["MIT"]
    assert "concluded from the license notice" in amd.license_comment
    assert "lines 4-20" in amd.license_comment and "mit_59.RULE" in amd.license_comment
    assert "score 100" in amd.license_comment and "not a declared tag" in amd.license_comment
    oldboard = files["./" + OLDBOARD]
    assert str(oldboard.license_concluded) == "GPL-2.0-or-later"
    assert [str(e) for e in oldboard.license_info_in_file] == ["GPL-2.0-or-later"]
    assert "lines 6-14" in oldboard.license_comment
    retagged = files["./" + RETAGGED]  # the tag stays what the file declares
    assert [str(e) for e in retagged.license_info_in_file] == ["GPL-2.0-only"]
    assert str(retagged.license_concluded) == "GPL-2.0-only"
    assert "GPL-2.0-or-later" in retagged.license_comment and "LT601" in retagged.license_comment
    printk = files["./" + PRINTK]
    assert str(printk.license_concluded) == "GPL-2.0-only WITH Linux-syscall-note"
    assert [str(e) for e in printk.license_info_in_file] == ["NOASSERTION"]
    assert "COPYING default" in printk.license_comment
    foo = files["./drivers/net/foo.c"]
    assert foo.license_comment is None
    package = document.packages[0]
    assert {"MIT", "GPL-2.0-or-later"} <= {str(e) for e in package.license_info_from_files}
    assert str(package.license_declared) == "GPL-2.0-only WITH Linux-syscall-note"
    comment = document.creation_info.document_comment
    assert "33 from their SPDX-License-Identifier tag, 2 concluded from the license notice" in comment
    assert "3 from the COPYING default" in comment


def scancode_tree(root: Path) -> Path:
    """A tree whose untagged files' notices name licences that are not on the SPDX list."""
    return write_tree(root, {
        "lib/pd.c": "/*\n * pd.c - a demo\n *\n * This file is released into the public domain.\n */\nint pd;\n",
        "lib/taylor.c": (
            "/*\n * Permission to use, copy, modify, and/or distribute this software for any\n"
            " * purpose with or without fee is hereby granted, provided that the above\n"
            " * copyright notice and this permission notice appear in all copies.\n */\nint taylor;\n"),
        "lib/plain.c": "// SPDX-License-Identifier: MIT\nint plain;\n",
        "scripts/oldtool.sh": SCRIPT_NOTICE,
    })


@pytest.mark.parametrize("fmt", ["spdx-json", "spdx-tv"])
def test_spdx_license_refs_for_notices_not_on_the_spdx_list(capsys, tmp_path, fmt):
    root = scancode_tree(tmp_path / "t")
    document = parse_and_validate(export_file(capsys, tmp_path, str(root), fmt))
    files = {f.name: f for f in document.files}
    assert str(files["./lib/pd.c"].license_concluded) == "LicenseRef-scancode-public-domain"
    # ScanCode's id of a licence the SPDX list has taken in since (pkgconf) is written as the list's id
    assert str(files["./lib/taylor.c"].license_concluded) == "pkgconf"
    assert str(files["./scripts/oldtool.sh"].license_concluded) == "GPL-2.0-or-later"
    refs = {e.license_id: e for e in document.extracted_licensing_info}
    assert set(refs) == {"LicenseRef-scancode-public-domain"}
    public = refs["LicenseRef-scancode-public-domain"]
    assert public.license_name == "Public Domain" and "ScanCode" in public.comment
    assert public.cross_references == ["http://www.linfo.org/publicdomain.html"]


def test_the_text_of_a_notice_data_licence_comes_from_the_data():
    from tui.core.spdx import scancode_licence

    name, text, _urls = scancode_licence("LicenseRef-scancode-mit-taylor-variant")
    assert name and "Permission to use, copy, modify" in text
    assert scancode_licence("LicenseRef-scancode-no-such-licence") is None
    assert scancode_licence("LicenseRef-Kernel-Private-1.0") is None


def test_streamed_spdx_with_notices_equals_what_spdx_tools_writes(tmp_path):
    import io

    from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream as write_json
    from spdx_tools.spdx.writer.tagvalue.tagvalue_writer import write_document_to_stream as write_tv

    from tui.core.spdx import build_plan

    root = scancode_tree(tmp_path / "t")
    shutil.copy(DEMO / AMD, root / "lib/amd.c")
    index = build_index(str(root), use_cache=False)
    # a notice with characters JSON escapes, and one whose id is nowhere
    index.notices["lib/plain.c"] = Notice("MIT", 1, 1, 90, 'quoted "rule"\\x')
    index.notices["scripts/oldtool.sh"] = Notice("LicenseRef-nowhere-1.0 OR MIT", 5, 8, 70, "made-up.RULE")
    plan = build_plan(index)
    assert plan.validate() == []
    document = plan.document()
    ours, theirs = io.StringIO(), io.StringIO()
    plan.write_json(ours)
    write_json(document, theirs)
    assert json.loads(ours.getvalue()) == json.loads(theirs.getvalue())
    ours, theirs = io.StringIO(), io.StringIO()
    plan.write_tv(ours)
    write_tv(document, theirs)
    assert ours.getvalue() == theirs.getvalue()
    files = {f.name: f for f in document.files}
    assert str(files["./scripts/oldtool.sh"].license_concluded) == "LicenseRef-nowhere-1.0 OR MIT"
    assert str(files["./lib/amd.c"].license_concluded) == "MIT"


@pytest.mark.parametrize("fmt", list(export.FORMATS))
def test_a_filter_on_the_source_limits_every_format(capsys, tmp_path, fmt):
    target = export_file(capsys, tmp_path, str(DEMO), fmt, "--filter", "source:notice")
    text = target.read_text()
    if fmt == "md":  # a summary, without a list of files
        assert "2 files: 0 valid, 2 untagged" in text and "licence sources: 0 tag, 2 notice, 0 COPYING default" in text
        assert "`drivers/gpu/amd/`" in text and "`drivers/staging/`" in text
        return
    assert AMD in text and OLDBOARD in text
    assert PRINTK not in text and RETAGGED not in text


@pytest.mark.skipif(not KERNEL, reason="LICTREE_KERNEL_TREE is not set")
@pytest.mark.parametrize("fmt", ["spdx-json", "spdx-tv"])
def test_kernel_amdgpu_spdx_export_validates_with_the_notices_licences(capsys, tmp_path, fmt):
    """drivers/gpu/drm/amd/amdgpu of the real tree: most untagged files carry an MIT notice."""
    scope = os.path.join(KERNEL, "drivers/gpu/drm/amd/amdgpu")
    document = parse_and_validate(export_file(capsys, tmp_path, scope, fmt))
    code, out, _err = run(capsys, "check", scope, "--format", "json")
    checked = json.loads(out)
    by_source: dict[str, list[dict]] = {}
    for item in checked["files"]:
        if item["effective"]:
            by_source.setdefault(item["effective"]["source"], []).append(item)
    noticed = by_source.get("notice", [])
    assert len(noticed) > 100
    files = {f.name: f for f in document.files}
    assert len(files) == len(checked["files"])
    for item in noticed:
        entry = files["./" + item["path"]]
        assert "concluded from the license notice" in entry.license_comment
        assert item["notice"]["rule"] in entry.license_comment
        assert str(entry.license_concluded) != "NOASSERTION"
    mit = [item for item in noticed if item["effective"]["expression"] == "MIT"]
    assert len(mit) > len(noticed) / 2
    for item in by_source.get("tag", [])[:50]:
        entry = files["./" + item["path"]]
        assert entry.license_info_in_file and str(entry.license_info_in_file[0]) != "NOASSERTION"
    comment = document.creation_info.document_comment
    assert f"{len(noticed)} concluded from the license notice" in comment
