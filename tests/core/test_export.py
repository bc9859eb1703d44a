import csv
import io
import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import DEMO, snapshot_tree, write_tree
from tui.cli import main
from tui.core import export
from tui.core.build import build_index
from tui.core.counting import FindingFilter
from tui.core.query import parse_query

CHROMIUM = "/usr/bin/chromium"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_doc(capsys, tree: str, *extra: str) -> dict:
    code, out, _err = run(capsys, "check", tree, "--format", "json", *extra)
    assert code in (0, 1)
    return json.loads(out)


def export_file(capsys, tmp_path: Path, tree: str, fmt: str, *extra: str) -> Path:
    target = tmp_path / f"report{export.FORMATS[fmt]}"
    code, out, err = run(capsys, "export", tree, "--format", fmt, "-o", str(target), *extra)
    assert (code, err) == (0, "")
    assert out == ""
    return target


@pytest.fixture
def tree(demo_copy: Path) -> Path:
    """The demo tree plus file names and tags that try to break out of each format."""
    files = {
        "=HYPERLINK(1).c": "// SPDX-License-Identifier: =1+2\n",
        "+plus.c": "// SPDX-License-Identifier: GPL-2.0\n",
        "-minus.c": "// SPDX-License-Identifier: @SUM(A1)\n",
        "@at.c": "int x;\n",
        "drivers/evil/<img src=x onerror=alert(1)>.c": "// SPDX-License-Identifier: <b>MIT</b>\n",
        "drivers/evil/pipe|and`tick`*star*.c": "// SPDX-License-Identifier: MIT\n",
        "drivers/evil/&amp;.c": "// SPDX-License-Identifier: GPL-2.0 OR MIT\n",
    }
    write_tree(demo_copy, files, licenses=False)
    (demo_copy / "drivers/evil/\tcontrol\x1b[31m.c").write_text("// SPDX-License-Identifier: GPL-2.0\n")
    return demo_copy


def test_json_is_checks_document_plus_the_summary(capsys, tmp_path, tree):
    checked = check_doc(capsys, str(tree))
    doc = json.loads(export_file(capsys, tmp_path, str(tree), "json").read_text())
    assert doc["files"] == checked["files"]
    assert doc["tool"] == checked["tool"] and doc["root"] == checked["root"]
    for key, value in checked["summary"].items():
        assert doc["summary"][key] == value, key
    assert {"licenses", "classes", "directories", "invalid_expressions"} <= set(doc["summary"])
    assert doc["filter"] is None


def test_json_of_a_filter_has_only_the_matching_files(capsys, tmp_path):
    doc = json.loads(export_file(capsys, tmp_path, str(DEMO), "json", "--filter", "license:MIT").read_text())
    paths = {f["path"] for f in doc["files"]}
    assert paths == {"drivers/gpu/amd/amd_demo.c",  # untagged: its notice grants MIT
                     "drivers/misc/badexception.c", "drivers/misc/chain.c", "drivers/misc/lowercase.c",
                     "drivers/net/foo.c", "drivers/net/foo.h"}
    assert doc["summary"]["files"] == 6 and doc["filter"] == "license:MIT"
    assert doc["summary"]["statuses"]["invalid"] == 2


def test_csv_has_one_row_a_file_and_no_formulas(capsys, tmp_path, tree):
    checked = check_doc(capsys, str(tree))
    with export_file(capsys, tmp_path, str(tree), "csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == export.CSV_COLUMNS
    body = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert len(body) == len(checked["files"])
    for cell in (c for row in rows for c in row):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    by_path = {row["path"].removeprefix("'"): row for row in body}
    for item in checked["files"]:
        key = item["path"] if not item["path"].startswith("drivers/evil/\t") else "drivers/evil/\\x09control\\x1b[31m.c"
        row = by_path[key]
        assert row["status"] == item["status"]
        assert row["expression"].removeprefix("'") == (item["expression"] or "")
        assert row["line"] == (str(item["line"]) if item["line"] else "")
        assert row["rules"].split() == sorted({f["rule"] for f in item["findings"]})
    assert by_path["=HYPERLINK(1).c"]["path"] == "'=HYPERLINK(1).c"
    assert by_path["=HYPERLINK(1).c"]["expression"] == "'=1+2"
    assert by_path["-minus.c"]["path"] == "'-minus.c"
    assert by_path["-minus.c"]["expression"] == "'@SUM(A1)"
    assert by_path["@at.c"]["path"] == "'@at.c" and by_path["+plus.c"]["path"] == "'+plus.c"
    assert by_path["drivers/net/foo.c"]["licenses"] == "GPL-2.0 MIT"


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@A1", "\tx", "\rx"])
def test_csv_cell_neutralises_formula_starts(text):
    cell = export.csv_cell(text)
    assert cell[0] not in "=+-@\t\r"
    assert cell.endswith(text.lstrip("\t\r"))


def md_tables(text: str) -> dict[str, list[list[str]]]:
    """Each '## heading' -> the rows of the table under it (cells split on unescaped pipes)."""
    tables: dict[str, list[list[str]]] = {}
    heading = None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line[3:]
            tables[heading] = []
        elif line.startswith("|") and heading:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if not all(re.fullmatch(r"-+:?", c) for c in cells):
                tables[heading].append(cells)
    return tables


def test_markdown_tables_match_check(capsys, tmp_path, tree):
    checked = check_doc(capsys, str(tree))
    text = export_file(capsys, tmp_path, str(tree), "md").read_text()
    tables = md_tables(text)
    for rows in tables.values():
        assert len({len(r) for r in rows}) == 1  # escaped pipes never add a column
    statuses = {row[0]: int(row[1]) for row in tables["Files by status"][1:]}
    assert statuses == checked["summary"]["statuses"]
    rules = {row[0]: int(row[3]) for row in tables["Findings by rule"][1:]}
    assert rules == checked["summary"]["rules"]
    expressions = {row[0].strip("`"): int(row[1]) for row in tables["Files by expression"][1:]}
    assert expressions == checked["summary"]["expressions"]
    assert "<img" not in text.replace("`drivers/evil/<img", "")  # only inside code spans
    directories = [row[0] for row in tables["Directories with the most problems"][1:]]
    assert "`drivers/evil/`" in directories


def test_markdown_code_spans_hold_anything():
    assert export.md_code("a|b") == "`a\\|b`"
    assert export.md_code("x`y") == "``x`y``"
    assert export.md_code("`x") == "`` `x ``"
    assert export.md_text("*bold* <i> [l](u)") == "\\*bold\\* \\<i\\> \\[l\\](u)"


class PageParser(HTMLParser):
    """Tables by id: data-key -> cell texts; every start tag and attribute seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str | None, list[str]]]] = {}
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._key: str | None = None
        self._cell: list[str] | None = None
        self._id: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "table":
            self._table = attributes.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row, self._key = [], attributes.get("data-key")
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if "id" in attributes and tag != "table":
            self._id = attributes["id"]
            self.text[self._id] = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append((self._key, self._row))
            self._row = None
        elif tag == "table":
            self._table = None
        if self._id and tag in ("p", "code", "span"):
            self._id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._id:
            self.text[self._id] += data


def parse_page(text: str) -> PageParser:
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return parser


def keyed(parser: PageParser, table: str, column: int = 1) -> dict[str, int]:
    return {key: int(cells[column]) for key, cells in parser.tables[table] if key is not None}


def file_data(text: str) -> list[list]:
    """The rows of the file table, from the page's JSON data block."""
    start = text.index('<script type="application/json" id="file-data">')
    start = text.index(">", start) + 1
    return json.loads(text[start : text.index("</script>", start)])


def test_html_page_totals_match_check_and_escape_the_tree(capsys, tmp_path, tree):
    checked = check_doc(capsys, str(tree))
    text = export_file(capsys, tmp_path, str(tree), "html").read_text()
    page = parse_page(text)
    assert keyed(page, "statuses") == checked["summary"]["statuses"]
    assert keyed(page, "severities") == checked["summary"]["findings"]
    assert keyed(page, "rules", 3) == checked["summary"]["rules"]
    assert keyed(page, "expressions") == checked["summary"]["expressions"]
    rows = file_data(text)
    assert len(rows) == len(checked["files"])
    by_path = {row[0]: row for row in rows}
    for item in checked["files"]:
        if "\t" in item["path"]:
            continue
        row = by_path[item["path"]]
        assert row[1:4] == [item["status"], item["expression"] or "", item["line"] or ""]
        effective = item["effective"] or {"expression": "", "source": ""}
        assert row[4] == effective["expression"]
        assert row[5].startswith({"copying": "COPYING default"}.get(effective["source"], effective["source"]))
        assert [n.split(" ")[0] for n in row[6].split("\n") if n] == [f["rule"] for f in item["findings"]]
    assert "drivers/evil/\\x09control\\x1b[31m.c" in by_path
    assert page.text["totals"].startswith(f"kernel tree, {len(checked['files'])} files:")
    tags = {tag for tag, _a in page.tags}
    assert "img" not in tags and "b" not in tags  # names and tags from the tree stay text
    assert "<img" not in text and "</b>" not in text and "&amp;.c" not in text.replace("&amp;amp;.c", "")
    assert tags >= {"svg", "rect", "script", "style", "table"}
    # self-contained: nothing is fetched
    for tag, attributes in page.tags:
        assert not {"src", "href"} & set(attributes), (tag, attributes)
    assert "<link" not in text and "@import" not in text and "url(" not in text
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]
    assert "\x1b" not in text


def chromium_dom(page: Path, profile: Path) -> PageParser:
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    return parse_page(result.stdout)


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed")
def test_html_renders_in_chromium_with_the_right_totals(capsys, tmp_path, tree):
    checked = check_doc(capsys, str(tree))
    page = export_file(capsys, tmp_path, str(tree), "html")
    dom = chromium_dom(page, tmp_path / "profile")
    assert any(t == "body" and a.get("data-ready") == "1" for t, a in dom.tags)  # the script ran
    assert keyed(dom, "statuses") == checked["summary"]["statuses"]
    shown = [cells for _k, cells in dom.tables["files"][1:]]
    assert len(shown) == len(checked["files"])  # one page holds them all
    assert "drivers/evil/<img src=x onerror=alert(1)>.c" in {c[0] for c in shown}
    assert "img" not in {t for t, _a in dom.tags}
    # sort the status table by files (twice: descending), sort the files by line, search the files
    page.write_text(page.read_text().replace("</body>", (
        "<script>var th = document.querySelector('#statuses th:nth-child(2)'); th.click(); th.click();"
        "document.querySelector('#files th:nth-child(4)').click();"
        "document.querySelector('#files th:nth-child(4)').click();"
        "var s = document.getElementById('search'); s.value = 'drivers/misc';"
        "s.dispatchEvent(new Event('input'));</script></body>")))
    dom = chromium_dom(page, tmp_path / "profile")
    counts = [int(cells[1]) for key, cells in dom.tables["statuses"] if key]
    assert counts == sorted(checked["summary"]["statuses"].values(), reverse=True)
    misc = [f for f in checked["files"] if "drivers/misc" in f["path"]]
    assert dom.text["shown"] == str(len(misc))
    rows = [cells for _k, cells in dom.tables["files"][1:]]
    assert {r[0] for r in rows} == {f["path"] for f in misc}
    lines = [int(r[3] or 0) for r in rows]
    assert lines == sorted(lines, reverse=True)


def test_sarif_structure_and_counts(capsys, tmp_path, tree):
    checked = check_doc(capsys, str(tree))
    doc = json.loads(export_file(capsys, tmp_path, str(tree), "sarif").read_text())
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    run_ = doc["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "lictree"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) and {"LT100", "LT101"} <= set(rule_ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run_["results"]
    assert len(results) == sum(checked["summary"]["findings"].values())
    expected = {(f["path"], finding["rule"], finding["line"] or 1)
                for f in checked["files"] for finding in f["findings"]}
    seen = set()
    for result in results:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert location["artifactLocation"]["uriBaseId"] == "SRCROOT"
        assert not uri.startswith("/") and " " not in uri and "<" not in uri
        assert location["region"]["startLine"] >= 1
        from urllib.parse import unquote

        seen.add((unquote(uri), result["ruleId"], location["region"]["startLine"]))
    assert seen == expected
    assert run_["originalUriBaseIds"]["SRCROOT"]["uri"].startswith("file:///")


def test_check_format_sarif_is_the_same_document(capsys, tmp_path):
    code, out, _ = run(capsys, "check", "--demo", "--format", "sarif")
    assert code == 1
    exported = json.loads(export_file(capsys, tmp_path, str(DEMO), "sarif").read_text())
    assert json.loads(out) == exported


def test_sarif_follows_rule_selection(capsys):
    code, out, _ = run(capsys, "check", "--demo", "--format", "sarif", "--select", "LT101")
    doc = json.loads(out)
    assert [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]] == ["LT101"]
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} == {"LT101"}
    assert code == 1


# SPDX -------------------------------------------------------------------------------------------


def parse_and_validate(path: Path):
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    document = parse_file(str(path))
    assert validate_full_spdx_document(document) == []
    return document


@pytest.mark.parametrize("fmt", ["spdx-json", "spdx-tv"])
def test_spdx_documents_parse_and_validate(capsys, tmp_path, tree, fmt):
    checked = check_doc(capsys, str(tree))
    document = parse_and_validate(export_file(capsys, tmp_path, str(tree), fmt))
    assert document.creation_info.spdx_version == "SPDX-2.3"
    files = {f.name: f for f in document.files}
    assert len(files) == len(checked["files"])  # nothing unreadable in the demo
    foo = files["./drivers/net/foo.c"]
    assert {str(e) for e in foo.license_info_in_file} == {"GPL-2.0-only", "MIT"}
    assert str(foo.license_concluded) == "GPL-2.0-only OR MIT"
    uapi = files["./include/uapi/linux/demo.h"]
    assert [str(e) for e in uapi.license_info_in_file] == ["GPL-2.0-only WITH Linux-syscall-note"]
    untagged = files["./kernel/printk.c"]
    assert str(untagged.license_concluded) == "GPL-2.0-only WITH Linux-syscall-note"  # the COPYING default
    assert str(files["./drivers/misc/typo.c"].license_concluded) == "NOASSERTION"
    package = document.packages[0]
    assert str(package.license_concluded) == "GPL-2.0-only WITH Linux-syscall-note"
    with open(tree / "kernel/printk.c", "rb") as handle:
        import hashlib

        assert untagged.checksums[0].value == hashlib.sha1(handle.read()).hexdigest()
    from spdx_tools.spdx.spdx_element_utils import calculate_package_verification_code

    assert package.verification_code.value == calculate_package_verification_code(document.files).value
    contained = {r.related_spdx_element_id for r in document.relationships if r.relationship_type.name == "CONTAINS"}
    assert contained == {f.spdx_id for f in document.files}


def custom_tree(root: Path) -> Path:
    """A tree whose LICENSES/ has a license and an exception that are not on the SPDX list."""
    write_tree(root, {
        "LICENSES/other/Kernel-Private-1.0": (
            "Valid-License-Identifier: Kernel-Private-1.0\nValid-License-Identifier: Kernel-Private-1.0+\n"
            "SPDX-URL: https://example.org/kpl\nUsage-Guide:\n  Do not.\nLicense-Text:\nThe private text.\n"
        ),
        "LICENSES/exceptions/Private-note": (
            "SPDX-Exception-Identifier: Private-note\nSPDX-URL: https://example.org/pn\n"
            "SPDX-Licenses: GPL-2.0\nUsage-Guide:\n  x\nLicense-Text:\nThe note.\n"
        ),
        "a.c": "// SPDX-License-Identifier: Kernel-Private-1.0 OR MIT\n",
        "b.c": "// SPDX-License-Identifier: GPL-2.0 WITH Private-note\n",
        "c.c": "// SPDX-License-Identifier: Kernel-Private-1.0+\n",
        "d.c": "int untagged;\n",
    })
    os.symlink("/etc/hostname", root / "outside.c")
    return root


@pytest.mark.parametrize("fmt", ["spdx-json", "spdx-tv"])
def test_spdx_license_refs_for_ids_not_on_the_spdx_list(capsys, tmp_path, fmt):
    root = custom_tree(tmp_path / "t")
    document = parse_and_validate(export_file(capsys, tmp_path, str(root), fmt))
    refs = {e.license_id: e for e in document.extracted_licensing_info}
    assert set(refs) == {"LicenseRef-Kernel-Private-1.0", "LicenseRef-Private-note"}
    assert refs["LicenseRef-Kernel-Private-1.0"].extracted_text == "The private text."
    assert refs["LicenseRef-Kernel-Private-1.0"].cross_references == ["https://example.org/kpl"]
    files = {f.name: f for f in document.files}
    assert str(files["./a.c"].license_concluded) == "LicenseRef-Kernel-Private-1.0 OR MIT"
    assert str(files["./b.c"].license_concluded) == "GPL-2.0-only AND LicenseRef-Private-note"
    assert str(files["./c.c"].license_concluded) == "LicenseRef-Kernel-Private-1.0"  # an alias of the same file
    assert "./outside.c" not in files  # a symlink out of the tree is unreadable: no checksum, left out
    assert "1 unreadable files left out" in document.creation_info.document_comment


def test_streamed_spdx_equals_what_spdx_tools_writes(tmp_path):
    from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream as write_json
    from spdx_tools.spdx.writer.tagvalue.tagvalue_writer import write_document_to_stream as write_tv

    from tui.core.spdx import build_plan

    for root in (DEMO, custom_tree(tmp_path / "t")):
        plan = build_plan(build_index(str(root), use_cache=False))
        document = plan.document()
        ours, theirs = io.StringIO(), io.StringIO()
        plan.write_json(ours)
        write_json(document, theirs)
        assert json.loads(ours.getvalue()) == json.loads(theirs.getvalue())
        ours, theirs = io.StringIO(), io.StringIO()
        plan.write_tv(ours)
        write_tv(document, theirs)
        assert ours.getvalue() == theirs.getvalue()


def test_spdx_validation_catches_a_broken_document(tmp_path):
    from tui.core.spdx import build_plan

    plan = build_plan(build_index(str(custom_tree(tmp_path / "t")), use_cache=False))
    assert plan.validate() == []
    plan.extracted = []  # the LicenseRefs are now undefined
    assert any("LicenseRef-Kernel-Private-1.0" in m for m in plan.validate())
    plan = build_plan(build_index(str(DEMO), use_cache=False))
    plan.sha1s[3] = "not a sha1"
    assert plan.validate()


def test_an_spdx_document_that_does_not_validate_is_not_written(tmp_path, monkeypatch):
    from tui.core import spdx

    target = tmp_path / "out.spdx.json"
    target.write_text("OLD")
    monkeypatch.setattr(spdx.SpdxPlan, "validate", lambda self: ["broken on purpose"])
    with pytest.raises(export.ExportError, match="does not validate: broken on purpose"):
        export.write(build_index(str(DEMO)), "spdx-json", str(target))
    assert target.read_text() == "OLD"
    assert os.listdir(tmp_path) == ["out.spdx.json"]


# Every format -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(export.FORMATS))
def test_positions_limit_every_format(tmp_path, fmt):
    index = build_index(str(DEMO))
    positions = parse_query("path:drivers/net").matches(index)
    target = tmp_path / ("out" + export.FORMATS[fmt])
    export.write(index, fmt, str(target), FindingFilter(), positions, query="path:drivers/net")
    text = target.read_text()
    assert "drivers/net/foo.c" in text or fmt in ("md", "sarif", "patch")  # (a patch: untagged files only)
    assert "kernel/sched.c" not in text
    if fmt == "csv":
        assert len(list(csv.reader(io.StringIO(text)))) == 1 + len(positions)


@pytest.mark.parametrize("fmt", list(export.FORMATS))
def test_stdout_and_the_tree_untouched(capsys, demo_copy, fmt):
    before = snapshot_tree(demo_copy)
    code, out, err = run(capsys, "export", str(demo_copy), "--format", fmt, "-o", "-")
    assert (code, err) == (0, "")
    if fmt in ("json", "spdx-json", "sarif"):
        json.loads(out)
    else:
        assert out
    assert snapshot_tree(demo_copy) == before


# Atomic writes and bad paths --------------------------------------------------------------------


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != "report.md")


@pytest.mark.parametrize("failure", [RuntimeError("boom"), KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_a_failed_export_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, failure):
    target = tmp_path / "report.md"
    target.write_text("OLD REPORT\n")
    original = export.markdown_lines

    def half_then_fail(job):
        for n, line in enumerate(original(job)):
            if n == 5:
                raise failure
            yield line

    monkeypatch.setattr(export, "markdown_lines", half_then_fail)
    index = build_index(str(DEMO))
    expected = export.ExportError if isinstance(failure, OSError) else type(failure)
    with pytest.raises(expected) as caught:
        export.write(index, "md", str(target))
    if isinstance(failure, OSError):
        assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert target.read_text() == "OLD REPORT\n"
    assert leftovers(tmp_path) == []


def test_a_successful_export_replaces_the_file_and_keeps_its_mode(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("OLD\n")
    target.chmod(0o640)
    export.write(build_index(str(DEMO)), "md", str(target))
    assert target.read_text().startswith("# Licenses of linux-demo")
    assert target.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []
    fresh = tmp_path / "fresh.md"
    export.write(build_index(str(DEMO)), "md", str(fresh))
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_writing_through_a_symlink_replaces_its_target(tmp_path):
    real = tmp_path / "real.md"
    real.write_text("OLD\n")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    export.write(build_index(str(DEMO)), "md", str(link))
    assert link.is_symlink() and real.read_text().startswith("# Licenses")


def test_a_device_is_written_in_place(tmp_path):
    export.write(build_index(str(DEMO)), "csv", os.devnull)
    assert Path(os.devnull).is_char_device()


def unwritable_dir(tmp_path: Path) -> str:
    if os.geteuid() == 0:
        return "/sys"  # root may write anywhere but in a read-only file system
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return str(locked)


@pytest.mark.parametrize(
    ("make_output", "message"),
    [
        (lambda tmp: str(tmp / "missing" / "report.json"), "no such directory"),
        (lambda tmp: str(tmp), "is a directory"),
        (lambda tmp: str(Path(unwritable_dir(tmp)) / "report.json"), "cannot"),
        (lambda tmp: "", "the output path is empty"),
    ],
)
def test_bad_output_paths_exit_2_with_one_line(capsys, tmp_path, make_output, message):
    output = make_output(tmp_path)
    code, out, err = run(capsys, "export", "--demo", "--format", "json", "-o", output)
    assert code == 2
    assert message in err and err.startswith("lictree: ")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "xml"], "unknown export format 'xml'"),
        (["--filter", "status:bogus"], "--filter: unknown status 'bogus'"),
        (["--filter", 'path:"open'], "unterminated quote (column 6)"),
    ],
)
def test_bad_format_or_filter_exit_2(capsys, tmp_path, argv, message):
    code, _out, err = run(capsys, "export", "--demo", "-o", str(tmp_path / "x"), *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_default_filename():
    index = build_index(str(DEMO))
    assert export.default_filename(index, "html") == "linux-demo-licenses.html"
    assert export.default_filename(index, "spdx-json") == "linux-demo-licenses.spdx.json"


def test_never_writes_inside_the_tree(capsys, demo_copy, tmp_path):
    before = snapshot_tree(demo_copy)
    for fmt in export.FORMATS:
        export_file(capsys, tmp_path, str(demo_copy), fmt)
    assert snapshot_tree(demo_copy) == before


@pytest.mark.parametrize("fmt", ["spdx-json", "spdx-tv"])
def test_spdx_of_a_tree_without_licenses_or_copying(capsys, tmp_path, fmt):
    root = write_tree(tmp_path / "bare", {"a.c": "// SPDX-License-Identifier: GPL-2.0-only OR MIT\n",
                                         "b.c": "int untagged;\n"}, licenses=False)
    document = parse_and_validate(export_file(capsys, tmp_path, str(root), fmt))
    files = {f.name: f for f in document.files}
    assert str(files["./a.c"].license_concluded) == "GPL-2.0-only OR MIT"
    assert str(files["./b.c"].license_concluded) == "NOASSERTION"
    assert str(document.packages[0].license_concluded) == "NOASSERTION"
    assert document.extracted_licensing_info == []


def test_file_checksums_of_a_big_tree_come_from_reader_processes_in_order(tmp_path: Path):
    import hashlib as _hashlib

    from tui.core.spdx import _POOL_THRESHOLD, sha1_files

    names = [f"d{i % 5}/f{i}.c" for i in range(_POOL_THRESHOLD + 100)]
    for i, name in enumerate(names):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(f"int x{i};\n".encode())
    names.append("gone.c")  # listed, then vanished: no checksum
    expected = [_hashlib.sha1(f"int x{i};\n".encode()).hexdigest() for i in range(len(names) - 1)] + [None]
    assert sha1_files(str(tmp_path), names, workers=2) == expected
    assert sha1_files(str(tmp_path), names, workers=1) == expected


def _spdx_fresh_parts(text: str) -> tuple[str, str, str]:
    """(the document without its namespace's UUID and creation time, the namespace, the time)."""
    namespace = re.search(r"https://spdx\.org/spdxdocs/lictree/[^\s\"]+", text).group()
    created = re.search(r"(?:\"created\": \"|\nCreated: )([0-9T:Z-]+)", text).group(1)
    return text.replace(namespace, "NS").replace(created, "CREATED"), namespace, created


@pytest.mark.parametrize("fmt", list(export.FORMATS))
def test_a_warm_export_writes_the_kept_report_without_indexing(capsys, tmp_path, tree, monkeypatch, fmt):
    """Every export format is kept with the cache: a warm export of an unchanged tree writes it again
    without building the index (an SPDX document with a new namespace and creation time), and an
    edit, another filter or a rule selection makes a fresh one."""
    from tui.core import build as index_mod

    target = tmp_path / "out" / f"report{export.FORMATS[fmt]}"
    target.parent.mkdir()

    def export_text(*extra: str) -> str:
        code, out, err = run(capsys, "export", str(tree), "--format", fmt, "-o", str(target), *extra)
        assert (code, out, err) == (0, "", "")
        return target.read_text()

    def same(a: str, b: str) -> bool:
        return _spdx_fresh_parts(a)[0] == _spdx_fresh_parts(b)[0] if fmt.startswith("spdx-") else a == b

    fresh = export_text("--no-cache")
    cold = export_text()
    real_build = index_mod.build_index
    built: list[str] = []

    def counting(*args, **kwargs):
        built.append(fmt)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(index_mod, "build_index", counting)
    warm = export_text()
    assert built == [] and same(warm, fresh) and same(cold, fresh)
    if fmt.startswith("spdx-"):  # each document has its own namespace
        assert _spdx_fresh_parts(warm)[1] != _spdx_fresh_parts(cold)[1]
    filtered = export_text("--filter", "license:MIT")
    assert built and same(filtered, export_text("--filter", "license:MIT", "--no-cache"))
    selected = export_text("--select", "LT100")
    assert same(selected, export_text("--select", "LT100", "--no-cache"))
    (tree / "drivers/net/foo.c").write_text("// SPDX-License-Identifier: Nope-9\n")
    st = (tree / "drivers/net/foo.c").stat()
    os.utime(tree / "drivers/net/foo.c", ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    edited = export_text()
    assert same(edited, export_text("--no-cache")) and (fmt in ("md", "patch") or "Nope-9" in edited
                                                        or fmt.startswith("spdx"))
    assert not same(edited, fresh) or fmt == "patch"  # (a patch names only untagged files with a notice)


def test_kept_reports_are_few_and_of_the_tree_as_it_is(tmp_path):
    """Reports of an older state of the tree are removed when a new one is kept, and no more than
    OUTPUTS_KEPT are kept per tree."""
    from tui.core import cache

    root = str(write_tree(tmp_path / "t", {"a.c": "int a;\n"}))
    for n in range(cache.OUTPUTS_KEPT + 3):
        assert cache.save_output(root, "fp", "sig-1", f"key-{n}", ("report", n))
    assert cache.load_output(root, "fp", "key-0") is None  # the oldest went
    assert cache.load_output(root, "fp", f"key-{cache.OUTPUTS_KEPT + 2}") == ("sig-1", ("report", cache.OUTPUTS_KEPT + 2),
                                                                             None)
    assert cache.load_output(root, "other-fp", f"key-{cache.OUTPUTS_KEPT + 2}") is None
    cache.save_output(root, "fp", "sig-2", "key-new", "new")
    kept = [n for n in range(cache.OUTPUTS_KEPT + 3) if cache.load_output(root, "fp", f"key-{n}") is not None]
    assert kept == [] and cache.load_output(root, "fp", "key-new") == ("sig-2", "new", None)
    assert not cache.save_output(root, "fp", "", "key-x", "never")  # no signature: nothing to trust


def test_bytes_kept_after_a_report_are_written_out_whole_to_any_stream(tmp_path):
    """A kept report's bytes (``save_output(raw=...)``: `check --format json|sarif`) stay in their file and
    are written out whole: by the kernel to a file or a pipe, read and written to a stream without a file
    descriptor; a kept file cut short is not trusted."""
    import io
    import os
    import threading

    from tui.core import cache

    root = str(write_tree(tmp_path / "t", {"a.c": "int a;\n"}))
    parts = [b"{\n", b"x" * 300_000, b'"\\u00e9"\n', b"", b"}\n"]
    whole = b"".join(parts)
    assert cache.save_output(root, "fp", "sig", "key", (None, {"error": 1}), raw=parts)

    def kept() -> cache.KeptBytes:
        signature, report, raw = cache.load_output(root, "fp", "key")
        assert (signature, report) == ("sig", (None, {"error": 1})) and raw.length == len(whole)
        return raw

    with open(tmp_path / "out", "w", encoding="utf-8") as handle:  # a text stream over a file: sendfile
        handle.write("before\n")
        kept().write_to(handle)
        handle.write("after\n")
    assert (tmp_path / "out").read_bytes() == b"before\n" + whole + b"after\n"
    read_end, write_end = os.pipe()  # a pipe (`lictree check --format json | jq`), read meanwhile
    chunks: list[bytes] = []

    def drain() -> None:
        while chunk := os.read(read_end, 1 << 16):
            chunks.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    with os.fdopen(write_end, "w") as pipe_out:
        kept().write_to(pipe_out)
    reader.join()
    os.close(read_end)
    assert b"".join(chunks) == whole
    text = io.StringIO()  # no file descriptor (as pytest's capture): read and decoded
    kept().write_to(text)
    assert text.getvalue() == whole.decode("ascii")
    binary = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    kept().write_to(binary)
    assert binary.buffer.getvalue() == whole
    path = cache._output_path(cache.cache_path(root), "key")
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) - 1)
    assert cache.load_output(root, "fp", "key") is None


@pytest.mark.parametrize("select, ignore", [(None, None), ("LT100", None), (None, "LT100,LT600"), ("LT101,LT200", None)])
def test_the_severities_check_fails_on_count_every_kept_finding_of_every_file(tree, select, ignore):
    from tui.core.report import iter_findings, kept_severities, severity_counts
    from tui.core.rules import parse_rule_ids

    index = build_index(str(tree), use_cache=False)
    keep = FindingFilter(parse_rule_ids(select), parse_rule_ids(ignore))
    by_file = severity_counts(iter_findings(index, keep))  # one finding at a time, file by file
    assert kept_severities(index, keep) == by_file
    assert sum(by_file.values()) == sum(len(keep.apply(found)) for found in index.findings.values())
