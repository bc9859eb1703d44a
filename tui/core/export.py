"""Write a tree's licenses (all files, or the files of a filter) as a report.

Formats: ``json`` (the document of ``lictree check --format json`` with a fuller summary),
``csv`` (one row a file), ``md`` (the summary as Markdown tables), ``html`` (one self-contained
page: summary, chart, sortable table of files), ``spdx-json`` / ``spdx-tv`` (SPDX 2.3, see
tui.core.spdx) and ``sarif`` (SARIF 2.1.0 for code-scanning UIs).

Writes are atomic: the report goes to a temporary file beside the target, which replaces the
target only once complete; a failure or an interrupt removes it and leaves the old file as it
was. Text from the tree is escaped for each format (and CSV cells cannot start a formula).
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from typing import TYPE_CHECKING, TextIO
from urllib.parse import quote

from tui import __version__
from tui.core.atomic import replacing
from tui.core.counting import FindingFilter
from tui.core.output import ExportError, check_output, write_bytes
from tui.core.report import (
    LIST_MARK,
    assemble,
    dumps_around,
    json_chunks,
    json_parts,
    kept_severities,
    meanwhile,
    printable,
    source_counts,
    summary_counts,
    summary_line,
    text_report,
)
from tui.core.reuse.detect import REUSE, kind_name
from tui.core.rules import RULES, Finding
from tui.core.status import STATUSES

if TYPE_CHECKING:  # a kept report is written without loading the index
    from tui.core.index import LicenseIndex
    from tui.core.notices.notice import Notice

#: Format name -> the usual file name ending.
FORMATS = {
    "json": ".json",
    "csv": ".csv",
    "md": ".md",
    "html": ".html",
    "spdx-json": ".spdx.json",
    "spdx-tv": ".spdx",
    "sarif": ".sarif",
    "patch": ".patch",
}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
#: The columns of the CSV export. New columns go at the end (consumers read the first ones by position):
#: ``effective`` and ``source`` are the file's one licence and where it comes from (tag, notice,
#: copying); the ``notice_*`` ones the licence notice of its leading comments, when it has one; ``tree``
#: the kind of tree lictree read (kernel, reuse), the same in every row (CSV has no summary).
CSV_COLUMNS = ("path", "status", "expression", "line", "licenses", "classes", "severity", "rules", "findings",
               "effective", "source", "notice", "notice_lines", "notice_score", "notice_rule", "tree")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spellings_text(summary: dict, name: str) -> str:
    """The ids a license row counts, with their files: ``GPL-2.0 24720, GPL-2.0-only 16131``."""
    spellings = summary.get("license_spellings", {}).get(name, {})
    return ", ".join(f"{spelled} {n}" for spelled, n in spellings.items())


#: How a REUSE tree's effective licences are worked out (the Markdown and HTML reports say it).
REUSE_EFFECTIVE = ("Each file's effective licence is worked out as the REUSE specification 3.3 says: the "
                   "SPDX-License-Identifier lines of the file (or of its .license sidecar), several combined with "
                   "AND, with the annotations of REUSE.toml (by their precedence) or .reuse/dep5")
#: How each source of an effective licence is named in reports.
SOURCE_NAMES = {"tag": "tag", "notice": "notice", "copying": "COPYING default", "sidecar": ".license sidecar",
                "reuse-toml": "REUSE.toml", "dep5": ".reuse/dep5"}


def effective_rows(summary: dict) -> list[tuple[str, str, int]]:
    """(expression, source, files) of every effective licence of the summary, most files first: the
    tags' (valid or not), the notices' and the COPYING default's."""
    rows = [(e, "tag", n) for e, n in summary["expressions"].items()]
    rows += [(e, "tag", n) for e, n in summary["invalid_expressions"].items()]
    rows += [(e, "notice", n) for e, n in summary.get("notice_expressions", {}).items()]
    copying = summary.get("sources", {}).get("copying", 0)
    if copying and summary.get("copying_default"):
        rows.append((summary["copying_default"], "copying", copying))
    return sorted(rows, key=lambda row: -row[2])


def default_filename(index: LicenseIndex, fmt: str) -> str:
    """A file name for a report of *index* (``linux-6.12-licenses.html``), without a directory."""
    name = os.path.basename(os.path.normpath(index.root)) or "tree"
    return f"{printable(name).replace('/', '-')}-licenses{FORMATS.get(fmt, '.' + fmt)}"


@dataclass
class _Job:
    """One export: the index, the rules kept, the selection and the query that made it."""

    index: LicenseIndex
    keep: FindingFilter
    positions: Sequence[int] | None
    query: str | None
    _summary: dict | None = field(default=None, repr=False)

    @property
    def rows(self) -> Sequence[int]:
        return range(len(self.index.paths)) if self.positions is None else self.positions

    @property
    def summary(self) -> dict:
        if self._summary is None:
            self._summary = summary_counts(self.index, self.keep, self.positions)
        return self._summary

    def findings(self, i: int) -> tuple[Finding, ...]:
        found = self.index.findings.get(self.index.paths[i], ())
        return self.keep.apply(found) if found else ()

    @property
    def title(self) -> str:
        name = os.path.basename(os.path.normpath(self.index.root)) or self.index.root
        if self.index.scope:  # a path inside the tree: the report covers only its files
            name = f"{name}/{self.index.scope}"
        return f"Licenses of {printable(name)}"


def write(index: LicenseIndex, fmt: str, output: str, keep: FindingFilter | None = None,
          positions: Sequence[int] | None = None, query: str | None = None,
          written: Callable[[Kept], None] | None = None) -> None:
    """Write the report of *index* (or of the files at *positions*) in *fmt* to *output* ('-': stdout).

    Raises ExportError with a one-line message for an unknown format or an unusable output path,
    before any work is done. *written*, when given, gets the whole report once it is written (for
    ``write_kept`` to write it again while the tree is unchanged).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    target = check_output(output)
    if fmt == "patch":  # bytes, as the tree's files hold them (not always UTF-8)
        data = suggested_patch(index, positions)
        try:
            write_bytes(target, data)
        except OSError as exc:
            raise ExportError(f"cannot write {printable(output)}: {exc.strerror or exc}") from None
        if written is not None:
            written(Kept(fmt, data, {}))
        return
    fresh: dict[str, str] = {}
    render = _renderer(_Job(index, keep or FindingFilter(), positions, query), fmt, fresh)
    try:
        with atomic_output(target, newline="" if fmt == "csv" else None) as out:
            if written is None:
                render(out)
            else:
                tee = _Tee(out)
                render(tee)
        if written is not None:
            written(Kept(fmt, "".join(tee.parts).encode("utf-8"), fresh))
    except BrokenPipeError:
        raise  # stdout piped into `head`: the CLI stops quietly
    except OSError as exc:
        raise ExportError(f"cannot write {printable(output)}: {exc.strerror or exc}") from None


def render(index: LicenseIndex, fmt: str, keep: FindingFilter | None = None, positions: Sequence[int] | None = None,
           query: str | None = None) -> str:
    """The report ``write`` would write, as a string (for the UI in a browser, which hands it to the browser)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    if fmt == "patch":
        return suggested_patch(index, positions).decode("utf-8", "replace")
    out = io.StringIO(newline="" if fmt == "csv" else None)
    _renderer(_Job(index, keep or FindingFilter(), positions, query), fmt, {})(out)
    return out.getvalue()


def render_bytes(index: LicenseIndex, fmt: str, keep: FindingFilter | None = None,
                 positions: Sequence[int] | None = None, query: str | None = None) -> bytes:
    """The bytes ``write`` would write (``render`` in UTF-8; a patch as the tree's files hold their bytes)."""
    if fmt == "patch":
        return suggested_patch(index, positions)
    return render(index, fmt, keep, positions, query).encode("utf-8")


def suggested_patch(index: LicenseIndex, positions: Sequence[int] | None = None) -> bytes:
    """The ``patch`` export: what ``lictree suggest`` writes for the untagged files (of *positions*) whose
    notice was recognised, the tag each notice grants added (``suggest.suggest_patch``; files it skips are
    left out). Empty when there are none."""
    from tui.core.status import Status
    from tui.core.suggest import suggest_patch

    paths, status, notices = index.paths, index.status, index.notices
    rows = range(len(paths)) if positions is None else positions
    items = [(paths[i], notices[paths[i]]) for i in rows if status[i] == Status.UNTAGGED and paths[i] in notices]
    return suggest_patch(index.root, items, catalog=index.catalog).diff


def _renderer(job: _Job, fmt: str, fresh: dict[str, str]) -> Callable[[TextIO], None]:
    return _spdx_renderer(job, fmt, fresh) if fmt.startswith("spdx-") else partial(_RENDERERS[fmt], job)


@dataclass(slots=True)
class Kept:
    """A whole report as written (UTF-8), and what must be made afresh when it is written again:
    the SPDX document namespace and creation time (``fresh``: their value in ``data``)."""

    fmt: str
    data: bytes
    fresh: dict[str, str]


class _Tee:
    """A text stream that writes through to *out* and keeps what was written."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.out.write(text)


def write_kept(kept: Kept, output: str) -> None:
    """Write a report kept from an earlier ``write`` of the same tree, unchanged since, to *output*.

    An SPDX document gets a new namespace and creation time, as a fresh one would. The bytes are
    written as they are (no decoding, no copy)."""
    target = check_output(output)
    pieces: list[bytes | memoryview] = [kept.data]
    if kept.fresh:
        from tui.core.spdx import refresh_document

        pieces = refresh_document(kept.data, kept.fmt, kept.fresh)
    try:
        with atomic_output(target, newline="" if kept.fmt == "csv" else None) as out:
            buffer = getattr(out, "buffer", None)
            if buffer is None:  # a text stream without bytes underneath
                out.write(b"".join(pieces).decode("utf-8"))
            else:
                out.flush()
                for piece in pieces:
                    buffer.write(piece)
                buffer.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise ExportError(f"cannot write {printable(output)}: {exc.strerror or exc}") from None


# Output -----------------------------------------------------------------------------------------


def _umask() -> int:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


@contextmanager
def atomic_output(target: str | None, newline: str | None = None) -> Iterator[TextIO]:
    """A UTF-8 text stream that becomes *target* only when the block ends without error.

    None writes to stdout; a target that is a device or a pipe is written in place.
    """
    if target is None:
        stream = sys.stdout
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
        yield stream
        stream.flush()
        return
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(target, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        return
    mode = stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~_umask()
    with replacing(target, binary=False, newline=newline, mode=mode, durable=True) as stream:
        yield stream


# JSON -----------------------------------------------------------------------------------------


def _write_json(job: _Job, out: TextIO) -> None:
    for chunk in json_chunks(job.index, job.keep, job.positions, {"filter": job.query}):
        out.write(chunk)


# CSV ------------------------------------------------------------------------------------------


def csv_cell(text: str) -> str:
    """*text* made printable, and never read as a formula by a spreadsheet."""
    text = printable(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _write_csv(job: _Job, out: TextIO) -> None:
    """One row a file. Files with the same status, expression, line, findings and notice differ only in
    their path: the rest of their row is formatted once."""
    import io

    index = job.index
    catalog = index.catalog
    kind = index.ctx.kind
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    paths, status, exprs, lines, findings = index.paths, index.status, index.exprs, index.lines, index.findings
    notices = index.notices
    buffer = io.StringIO()
    row_writer = csv.writer(buffer)
    tails: dict[tuple, str] = {}
    alive: list[tuple] = []  # findings tuples keyed by id, kept alive so that no id is reused
    empty: tuple = ()
    chunk: list[str] = []
    for i in job.rows:
        path = paths[i]
        found = findings.get(path, empty) if findings else empty
        notice = notices.get(path) if notices else None
        key = (status[i], exprs[i], lines[i], id(found), notice)
        tail = tails.get(key)
        if tail is None:
            record = index.record_at(i)
            kept = job.keep.apply(found) if found else empty
            worst = next((s for s in ("error", "warning", "info") if any(f.severity == s for f in kept)), "")
            classes = sorted({c for c in map(catalog.class_of, record.licenses) if c})
            effective = record.effective
            buffer.seek(0)
            buffer.truncate()
            row_writer.writerow([
                "p",
                record.status,
                csv_cell(record.expression or ""),
                record.line or "",
                csv_cell(" ".join(record.licenses)),
                " ".join(classes),
                worst,
                " ".join(sorted({f.rule for f in kept})),
                csv_cell(" | ".join(f"{f.rule} {f.severity}: {f.message}" for f in kept)),
                csv_cell(effective[0]) if effective else "",
                effective[1] if effective else "",
                *(_notice_cells(notice) if notice is not None else ("", "", "", "")),
                kind,
            ])
            tail = tails[key] = buffer.getvalue()[1:]
            alive.append(found)
        cell = csv_cell(path)
        if _CSV_QUOTE.search(cell) or not cell:
            buffer.seek(0)
            buffer.truncate()
            row_writer.writerow([cell, ""])
            cell = buffer.getvalue()[:-3]  # without the empty cell and its \r\n
        chunk.append(cell + tail)
        if len(chunk) >= 4096:
            out.write("".join(chunk))
            chunk.clear()
    out.write("".join(chunk))


def _notice_cells(notice: Notice) -> tuple[str, str, str, str]:
    """The CSV cells of a notice: expression, lines ("4-20"), score, rule."""
    lines = str(notice.line) if notice.line == notice.end_line else f"{notice.line}-{notice.end_line}"
    return csv_cell(notice.expression), lines, str(notice.score), csv_cell(notice.rule)


#: What makes the csv module quote a cell (QUOTE_MINIMAL with the default dialect).
_CSV_QUOTE = re.compile(r'[,"\r\n]')


# SARIF ----------------------------------------------------------------------------------------


def _rule_kept(keep: FindingFilter, rule_id: str) -> bool:
    return (keep.select is None or rule_id in keep.select) and rule_id not in keep.ignore


def artifact_uri(path: str) -> str:
    """A tree-relative path as a URI reference (the original bytes, percent-encoded)."""
    return quote(os.fsencode(path), safe="/")


def sarif_document(index: LicenseIndex, keep: FindingFilter | None = None,
                   positions: Sequence[int] | None = None, results: bool = True,
                   sources: dict[str, int] | None = None) -> dict:
    """SARIF 2.1.0: one rule per rule id, one result per finding with its file and line
    (``sarif_chunks`` writes the same document; *results* False leaves the results out).

    Each result says its file's effective licence and where it comes from (``properties``); an
    LT600 result carries the tag line to add as a ``fix`` (an insertion where the tag belongs), an
    LT601 result points at the notice's lines (``relatedLocations``). The run's ``properties`` count
    the files whose effective licence comes from a tag, a notice and the COPYING default (*sources*, where
    they were counted already)."""
    keep = keep or FindingFilter()
    found = list(_results(index, keep, positions)) if results else []
    rule_ids = _sarif_rule_ids(keep, found) if results else _sarif_rule_ids_of(index, keep, positions)
    rules = []
    for rule_id in rule_ids:
        rule = RULES.get(rule_id)
        if rule is None:
            rules.append({"id": rule_id, "shortDescription": {"text": rule_id}})
            continue
        rules.append({
            "id": rule.id,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": f"{rule.summary} Reference: {rule.reference}"},
            "help": {"text": rule.reference},
            "defaultConfiguration": {"level": SARIF_LEVELS.get(rule.severity, "warning")},
        })
    rule_index = {rid: n for n, rid in enumerate(rule_ids)}
    root_uri = _root_uri(index.root)
    copying = index.catalog.copying_default
    run_properties = {"treeKind": index.ctx.kind,
                      "licenseSources": source_counts(index, positions) if sources is None else sources,
                      "copyingDefault": None if copying is None else printable(copying)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lictree", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "originalUriBaseIds": {"SRCROOT": {"uri": root_uri}},
            "results": [_sarif_result(f, rule_index, artifact_uri(path), _result_extras(index, i, path, f))
                        for i, path, f in found] if results else [],
            "properties": run_properties,
        }],
    }


def _root_uri(root: str) -> str:
    from pathlib import Path

    return Path(os.path.abspath(root)).as_uri().rstrip("/") + "/"


def sarif_chunks(index: LicenseIndex, keep: FindingFilter | None = None,
                 positions: Sequence[int] | None = None) -> Iterator[str]:
    """``sarif_document`` as text: indented, one result a line. A finding shared by many files (of
    the same effective licence) is dumped once; only its file's URI changes from result to result."""
    keep = keep or FindingFilter()
    doc = sarif_document(index, keep, positions, results=False)
    doc["runs"][0]["results"] = LIST_MARK
    rule_index = {rule["id"]: n for n, rule in enumerate(doc["runs"][0]["tool"]["driver"]["rules"])}
    # A large tree's results are made by two processes at once, each of half the files with findings.
    rows = _rows_with_findings(index, positions)
    half = len(rows) // 2
    first = meanwhile(lambda: list(_sarif_results(index, keep, rows[:half], rule_index)),
                      len(index.paths) if positions is None else len(positions))
    second = list(_sarif_results(index, keep, rows[half:], rule_index))
    return dumps_around(doc, chain(first(), second))


#: Between two results' lines in `check --format sarif` (as ``dumps_around`` writes its runs[0].results).
RESULTS_SEPARATOR = ",\n    "


class SarifResults:
    """The SARIF results of a chunk of consecutive files, joined by RESULTS_SEPARATOR, as ASCII bytes, and
    where the chunk's effective licences come from (``source_counts``): what the reader processes make of
    each chunk while they read (``build_index``'s *chunk_report*; ``report.FilesJson`` for JSON), so that
    the main process only puts them together (``sarif_report``)."""

    def __init__(self, keep: FindingFilter) -> None:
        self.keep = keep
        #: The rules of the document as the readers number them: every rule kept (a finding of another
        #: rule leaves its chunk without results, made by the main process then).
        self.rule_ids = sorted(rid for rid in RULES if _rule_kept(keep, rid))
        self._rule_index = {rid: n for n, rid in enumerate(self.rule_ids)}
        self._templates: dict[tuple, tuple[list[str], Finding]] = {}

    def __call__(self, chunk: LicenseIndex) -> tuple[bytes, dict[str, int], Counter] | None:
        """The chunk's results, where its files' effective licences come from, and its results per severity."""
        severities: Counter = Counter()
        try:
            lines = RESULTS_SEPARATOR.join(_sarif_results(chunk, self.keep, None, self._rule_index, self._templates,
                                                          severities))
        except KeyError:
            return None
        return lines.encode("ascii"), source_counts(chunk), severities


def sarif_report(index: LicenseIndex, keep: FindingFilter) -> list[bytes]:
    """`lictree check --format sarif`'s document (``sarif_chunks``), as ASCII bytes in parts; from the
    results the readers made (``SarifResults``, ``index.chunk_reports``) where they made them with *keep*."""
    return sarif_parts(index, keep)[0]


def sarif_parts(index: LicenseIndex, keep: FindingFilter) -> tuple[list[bytes], Counter | None]:
    """``sarif_report``, and its results (the kept findings of the files) per severity where the readers counted
    them (None otherwise)."""
    made = index.chunk_reports
    if made is None or not isinstance(made[0], SarifResults) or made[0].keep is not keep or not made[1]:
        return ["".join(sarif_chunks(index, keep)).encode("ascii")], None
    parts: list = made[1]
    sources = {key: sum(counts[key] for _lines, counts, _severities in parts) for key in parts[0][1]}
    doc = sarif_document(index, keep, None, results=False, sources=sources)
    run = doc["runs"][0]
    if [rule["id"] for rule in run["tool"]["driver"]["rules"]] != made[0].rule_ids:
        return ["".join(sarif_chunks(index, keep)).encode("ascii")], None
    run["results"] = LIST_MARK
    severities: Counter = Counter()
    for _lines, _counts, counted in parts:
        severities.update(counted)
    return assemble(doc, (lines for lines, _counts, _severities in parts), RESULTS_SEPARATOR), severities


def _rows_with_findings(index: LicenseIndex, positions: Sequence[int] | None) -> Sequence[int]:
    """The positions (of *positions*; None: all files) of the files with findings, in order."""
    findings = index.findings
    if not findings:
        return []
    paths = index.paths
    if positions is None:
        return [i for i, path in enumerate(paths) if path in findings]
    return [i for i in positions if paths[i] in findings]


def _sarif_rule_ids_of(index: LicenseIndex, keep: FindingFilter, positions: Sequence[int] | None) -> list[str]:
    """``_sarif_rule_ids`` of the files' kept findings, from the rules their findings name (each distinct
    tuple of findings looked at once)."""
    get = index.findings.get
    tuples = {id(found): found for found in map(get, index.paths if positions is None
                                                 else (index.paths[i] for i in positions)) if found}
    named = {f.rule for found in tuples.values() for f in found}
    return sorted({rid for rid in RULES if _rule_kept(keep, rid)} | {rid for rid in named if _rule_kept(keep, rid)})


_URI_PLAIN = re.compile(r"[A-Za-z0-9_.~/-]*")
#: Findings that read the file's own notice: their results are made file by file.
_NOTICE_RULES = frozenset({"LT600", "LT601"})


def _sarif_results(index: LicenseIndex, keep: FindingFilter, positions: Sequence[int] | None,
                   rule_index: dict[str, int], templates: dict[tuple, tuple[list[str], Finding]] | None = None,
                   severities: Counter | None = None) -> Iterator[str]:
    """Each result's line; *templates*: the lines of shared findings already made (kept from call to call);
    *severities*: counts the results per severity."""
    import json

    if templates is None:
        templates = {}
    exprs, sources = index.effective_columns()
    notices = index.notices
    for i, path, finding in _results(index, keep, positions):
        if severities is not None:
            severities[finding.severity] += 1
        uri = path if _URI_PLAIN.fullmatch(path) else artifact_uri(path)
        if finding.rule in _NOTICE_RULES:
            # A notice's result is made of the finding, the notice and the effective licence, and the tag line its
            # message names: equal ones (files of the same notice) share it, whichever objects hold them.
            key = ("notice", finding, notices.get(path), exprs[i], sources[i])
            template = templates.get(key)
            if template is None:
                extras = _result_extras(index, i, path, finding)
                text = json.dumps(_sarif_result(finding, rule_index, _SENTINEL_URI, extras))
                template = (text.split(_SENTINEL_URI), finding)
                if not extras.get("read"):  # (a tag line worked out from the file itself is its own)
                    templates[key] = template
            yield uri.join(template[0])
            continue
        key = (id(finding), exprs[i], sources[i])
        template = templates.get(key)
        if template is None:
            text = json.dumps(_sarif_result(finding, rule_index, _SENTINEL_URI,
                                            _result_extras(index, i, path, finding)))
            template = templates[key] = (text.split(_SENTINEL_URI), finding)
        yield uri.join(template[0])


_SENTINEL_URI = "lictree-uri-sentinel"


def _results(index: LicenseIndex, keep: FindingFilter,
             positions: Sequence[int] | None) -> Iterator[tuple[int, str, Finding]]:
    """(position, path, finding) of every kept finding of the files (of *positions*), in order."""
    all_paths = index.paths
    if positions is None:
        findings = index.findings
        rows: Iterable[int] = (i for i, p in enumerate(all_paths) if p in findings) if findings else ()
    else:
        rows = positions
    get = index.findings.get
    for i in rows:
        path = all_paths[i]
        found = get(path)
        if found:
            for finding in keep.apply(found):
                yield i, path, finding


def _sarif_rule_ids(keep: FindingFilter, results: Iterable[tuple[int, str, Finding]]) -> list[str]:
    return sorted({rid for rid in RULES if _rule_kept(keep, rid)} | {f.rule for _i, _p, f in results})


def _sarif_result(f: Finding, rule_index: dict[str, int], uri: str, extras: dict | None = None) -> dict:
    region: dict = {"startLine": f.line or 1}
    extras = extras or {}
    if "endLine" in extras:
        region["endLine"] = extras["endLine"]
    result = {
        "ruleId": f.rule,
        "ruleIndex": rule_index[f.rule],
        "level": SARIF_LEVELS.get(f.severity, "warning"),
        "message": {"text": printable(f.message)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": "SRCROOT"},
                "region": region,
            }
        }],
    }
    notice = extras.get("notice")
    if notice is not None and f.rule == "LT601":
        result["relatedLocations"] = [{
            "id": 1,
            "physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "SRCROOT"},
                                 "region": {"startLine": notice.line, "endLine": notice.end_line}},
            "message": {"text": f"the licence notice: grants {printable(notice.expression)} "
                                f"(rule {printable(notice.rule)}, score {notice.score})"},
        }]
    insertion = extras.get("insertion")
    if insertion is not None:
        line, text = insertion
        result["fixes"] = [{
            "description": {"text": f"Add the SPDX tag line on line {line}: {text}"},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri, "uriBaseId": "SRCROOT"},
                "replacements": [{
                    "deletedRegion": {"startLine": line, "startColumn": 1, "endLine": line, "endColumn": 1},
                    "insertedContent": {"text": text + "\n"},
                }],
            }],
        }]
    if extras.get("effective") is not None:
        expression, source = extras["effective"]
        result["properties"] = {"effectiveLicense": printable(expression), "licenseSource": source}
    return result


def _result_extras(index: LicenseIndex, i: int, path: str, finding: Finding) -> dict:
    """What a result says besides its finding: the file's effective licence; for LT600/LT601 its notice
    (and for LT600 the tag line to insert, when the file's type has a comment style for it)."""
    extras: dict = {"effective": index.effective_at(i)}
    if finding.rule in _NOTICE_RULES:
        notice = index.notices.get(path)
        if notice is not None:
            extras["notice"] = notice
            if finding.rule == "LT600":
                extras["endLine"] = notice.end_line
                given = _insertion_in(notice.expression, finding.message)
                extras["read"] = given is False  # (the file read: the result is this file's own)
                extras["insertion"] = _tag_insertion(index.root, path, notice.expression) if given is False else given
    return extras


def _insertion_in(expression: str, message: str) -> tuple[int, str] | bool | None:
    """What ``_tag_insertion`` takes from an LT600 *message* alone: (line, tag line), None (a bare tag: no comment
    style), or False when the message does not name the tag line (the file is read then)."""
    found = _ADD_TAG_RE.search(message)
    if found is None or f"SPDX-License-Identifier: {expression}" not in found.group(1):
        return False
    text = found.group(1)
    if text.startswith("SPDX-License-Identifier:"):
        return None  # a bare tag: no comment style is known for the file type
    return int(found.group(2)), printable(text)


#: The end of an LT600 message (``rules.notices.without_tag``): the tag line to add and its line.
_ADD_TAG_RE = re.compile(r": add '((?:[^'\n]|'(?!\s+on line))*)' on line (\d+)$")


def _tag_insertion(root: str, path: str, expression: str, message: str = "") -> tuple[int, str] | None:
    """(line, tag line) to insert for an untagged file whose notice grants *expression* (None: the file
    cannot be read, its type has no comment style for the tag, or it has no such line).

    The LT600 message gives both, as ``suggested_tag`` made them from the file's head when it was
    read; a message that does not end that way has the head read again."""
    from tui.core.rules.notices import suggested_tag

    given = _insertion_in(expression, message)
    if given is not False:
        return given  # type: ignore[return-value]
    try:
        with open(os.path.join(root, path), "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    line, text = suggested_tag(path, expression, head)
    if text.startswith("SPDX-License-Identifier:") or head[:4096].count(b"\n") < line - 1:
        return None  # a bare tag (no comment style known), or the file ends before that line
    return line, printable(text)


def _write_sarif(job: _Job, out: TextIO) -> None:
    for chunk in sarif_chunks(job.index, job.keep, job.positions):
        out.write(chunk)


# Markdown -------------------------------------------------------------------------------------

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|&!~#"})


def md_text(text: str) -> str:
    """Plain text for a Markdown table cell: printable, with every special character escaped."""
    return printable(text).translate(_MD_SPECIAL)


def md_code(text: str) -> str:
    """Text from the tree as an inline code span in a table cell (nothing in it is markup)."""
    if not text:
        return ""
    text = printable(text).replace("|", "\\|")
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "0.0%"


def _table(header: Sequence[str], align: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """A GFM table: *align* gives one letter a column, l or r."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return [*lines, ""]


def markdown_lines(job: _Job) -> Iterator[str]:
    summary = job.summary
    total = summary["files"]
    catalog = job.index.catalog
    yield f"# {md_text(job.title)}"
    yield ""
    yield md_text(summary_line(summary))
    yield ""
    if job.query:
        yield f"Filter: {md_code(job.query)}"
        yield ""
    if summary.get("kind") == REUSE:
        yield f"{REUSE_EFFECTIVE}."
    else:
        yield (f"Each file's effective licence is its tag's, else the one its licence notice grants, else the "
               f"COPYING default: {md_code(summary['copying_default'] or 'none')}.")
    yield ""
    yield "## Files by status"
    yield ""
    yield from _table(("Status", "Files", "Share"), "lrr",
                      [(s, str(n), _share(n, total)) for s, n in summary["statuses"].items()])
    yield "## Where the licences come from"
    yield ""
    yield from _table(("Source", "Files", "Share"), "lrr",
                      [(SOURCE_NAMES[s], str(n), _share(n, total)) for s, n in summary["sources"].items()])
    yield "## Findings by rule"
    yield ""
    rows = []
    for rule_id, n in summary["rules"].items():
        rule = RULES.get(rule_id)
        rows.append((md_text(rule_id), md_text(rule.name if rule else ""), md_text(rule.severity if rule else ""),
                     str(n), str(summary["rule_files"].get(rule_id, 0))))
    yield from _table(("Rule", "Name", "Severity", "Findings", "Files"), "lllrr", rows)
    yield "## Files by license class"
    yield ""
    yield from _table(("Class", "Files", "Share"), "lrr",
                      [(md_text(c), str(n), _share(n, total)) for c, n in summary["classes"].items()])
    yield "## Files by license"
    yield ""
    yield ("A license is a file of LICENSES/ with all its ids; each file counts under its effective licence "
           "(its tag's, its notice's or the COPYING default), once for each license it names.")
    yield ""
    yield from _table(("License", "Class", "Files", "Share", "Spellings"), "llrrl", [
        (md_code(lic), md_text(catalog.class_of(lic) or ""), str(n), _share(n, total),
         md_text(spellings_text(summary, lic)))
        for lic, n in summary["licenses"].items()
    ])
    yield "## Files by expression"
    yield ""
    yield from _table(("Expression", "Files", "Share"), "lrr",
                      [(md_code(e), str(n), _share(n, total)) for e, n in summary["expressions"].items()])
    yield "## Files by effective licence"
    yield ""
    yield "The tags' expressions, the licences notices grant untagged files, and the COPYING default."
    yield ""
    yield from _table(("Effective licence", "Source", "Files", "Share"), "llrr",
                      [(md_code(e), SOURCE_NAMES[src], str(n), _share(n, total))
                       for e, src, n in effective_rows(summary)])
    if summary["invalid_expressions"]:
        yield "## Tags that do not pass spdxcheck.py"
        yield ""
        yield from _table(("Expression", "Files"), "lr",
                          [(md_code(e), str(n)) for e, n in summary["invalid_expressions"].items()])
    yield "## Directories with the most problems"
    yield ""
    yield from _table(("Directory", "Files", "Problems", "Files with findings"), "lrrr", [
        (md_code(d["path"] + "/") if d["path"] else md_text("(top)"), str(d["files"]), str(d["problems"]),
         str(d["with_findings"]))
        for d in summary["directories"]
    ])


def _write_md(job: _Job, out: TextIO) -> None:
    for line in markdown_lines(job):
        out.write(line + "\n")


# HTML -----------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light dark; --ok: #2e7d32; --warn: #b26a00; --bad: #c62828; --muted: #777; --bar: #3f6fb5; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .15rem .6rem; border-bottom: 1px solid #8883; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.sortable th { cursor: pointer; user-select: none; }
th[aria-sort=ascending]::after { content: " \\25b2"; } th[aria-sort=descending]::after { content: " \\25bc"; }
code, td.path { font-family: ui-monospace, monospace; font-size: 12.5px; }
.s-valid { color: var(--ok); } .s-untagged { color: var(--warn); } .s-invalid, .s-unreadable { color: var(--bad); }
.s-excluded { color: var(--muted); }
.grid { display: flex; flex-wrap: wrap; gap: 2rem; }
svg text { font: 12px system-ui, sans-serif; fill: currentColor; }
rect.bar { fill: var(--bar); } rect.bar-valid { fill: var(--ok); } rect.bar-untagged { fill: var(--warn); }
rect.bar-invalid, rect.bar-unreadable { fill: var(--bad); } rect.bar-excluded { fill: var(--muted); }
#files td:last-child { white-space: pre-line; }
td.from-notice { font-style: italic; }
#search { font: inherit; padding: .2rem .4rem; width: 20rem; }
"""

_JS = """
(function () {
  function compare(a, b, numeric) {
    if (numeric) { a = parseFloat(a) || 0; b = parseFloat(b) || 0; }
    else { a = String(a).toLowerCase(); b = String(b).toLowerCase(); }
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function mark(th, dir) {
    Array.prototype.forEach.call(th.parentNode.cells, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
  }
  function nextDir(th) { return th.getAttribute('aria-sort') === 'ascending' ? -1 : 1; }
  document.querySelectorAll('table.sortable th').forEach(function (th) {
    th.addEventListener('click', function () {
      var body = th.closest('table').tBodies[0], col = th.cellIndex, dir = nextDir(th);
      var numeric = th.classList.contains('num');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) { return dir * compare(a.cells[col].textContent, b.cells[col].textContent, numeric); });
      mark(th, dir);
      var frag = document.createDocumentFragment();
      rows.forEach(function (r) { frag.appendChild(r); });
      body.appendChild(frag);
    });
  });
  var data = JSON.parse(document.getElementById('file-data').textContent);
  var table = document.getElementById('files'), body = table.tBodies[0];
  var search = document.getElementById('search'), size = 250, page = 0, view = data, col = 0, dir = 1;
  function render() {
    var pages = Math.max(1, Math.ceil(view.length / size));
    page = Math.max(0, Math.min(page, pages - 1));
    var frag = document.createDocumentFragment();
    view.slice(page * size, page * size + size).forEach(function (row) {
      var tr = document.createElement('tr');
      tr.className = 's-' + row[1];
      row.forEach(function (value, i) {
        var td = document.createElement('td');
        td.textContent = value;
        if (i === 0) { td.className = 'path'; } else if (i === 3) { td.className = 'num'; }
        else if ((i === 4 || i === 5) && row[5].indexOf('notice') === 0) { td.className = 'from-notice'; }
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    body.textContent = '';
    body.appendChild(frag);
    document.getElementById('shown').textContent = view.length;
    document.getElementById('page').textContent = 'page ' + (page + 1) + ' of ' + pages;
  }
  function sortView() {
    var numeric = col === 3;
    view = view.map(function (row, i) { return [row, i]; }).sort(function (a, b) {
      return dir * compare(a[0][col], b[0][col], numeric) || a[1] - b[1];
    }).map(function (pair) { return pair[0]; });
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    th.addEventListener('click', function () {
      dir = th.cellIndex === col ? nextDir(th) : 1;
      col = th.cellIndex;
      mark(th, dir);
      sortView();
      page = 0;
      render();
    });
  });
  search.addEventListener('input', function () {
    var needle = search.value.toLowerCase();
    view = !needle ? data : data.filter(function (row) { return row.join(' ').toLowerCase().indexOf(needle) !== -1; });
    if (col !== 0 || dir !== 1) { sortView(); }
    page = 0;
    render();
  });
  document.getElementById('prev').addEventListener('click', function () { page -= 1; render(); });
  document.getElementById('next').addEventListener('click', function () { page += 1; render(); });
  render();
  document.body.setAttribute('data-ready', '1');
})();
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _e(text: object) -> str:
    return html.escape(printable(str(text)), quote=True)


def _html_table(table_id: str, header: Sequence[tuple[str, bool]], rows: Sequence[tuple[str, Sequence[object]]],
                ) -> Iterator[str]:
    """A sortable table; header cells are (label, numeric); rows are (data-key, cells)."""
    yield f'<table id="{table_id}" class="sortable"><thead><tr>'
    yield "".join(f'<th class="num">{_e(h)}</th>' if num else f"<th>{_e(h)}</th>" for h, num in header)
    yield "</tr></thead><tbody>\n"
    for key, cells in rows:
        tds = "".join(f'<td class="num">{_e(c)}</td>' if num else f"<td>{_e(c)}</td>"
                      for c, (_h, num) in zip(cells, header))
        yield f'<tr data-key="{_e(key)}">{tds}</tr>\n'
    yield "</tbody></table>\n"


def _bar_chart(title: str, items: Sequence[tuple[str, int]], total: int, classes: bool = False) -> str:
    """A horizontal bar chart as inline SVG (labels escaped, a <title> on each bar)."""
    width, label_w, row_h = 560, 250, 22
    biggest = max((n for _l, n in items), default=0) or 1
    height = row_h * len(items) + 8
    parts = [f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{_e(title)}</title>']
    for n, (label, count) in enumerate(items):
        y = n * row_h + 4
        bar = max(1, round((width - label_w - 70) * count / biggest)) if count else 0
        shown = label if len(label) <= 36 else label[:35] + "…"
        parts.append(
            f'<g><title>{_e(label)}: {count} files ({_share(count, total)})</title>'
            f'<text x="0" y="{y + 14}">{_e(shown)}</text>'
            f'<rect class="bar{" bar-" + label if classes else ""}" x="{label_w}" y="{y + 3}" width="{bar}" '
            f'height="{row_h - 8}" rx="2"/>'
            f'<text x="{label_w + bar + 6}" y="{y + 14}">{count}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def html_chunks(job: _Job) -> Iterator[str]:
    summary = job.summary
    total = summary["files"]
    index = job.index
    catalog = index.catalog
    yield ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
           '<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<meta name=\"generator\" content=\"lictree {_e(__version__)}\">"
           f"<title>{_e(job.title)}</title><style>{_CSS}</style></head><body>\n")
    yield f"<h1>{_e(job.title)}</h1>\n"
    kind = summary.get("kind") or ""
    yield (f'<p id="totals" data-files="{total}" data-kind="{_e(kind)}">{_e(summary_line(summary))}</p>\n')
    if job.query:
        yield f'<p>Filter: <code id="filter">{_e(job.query)}</code></p>\n'
    if kind == REUSE:
        yield f"<p>Tree: <code>{_e(index.root)}</code>, a {kind_name(kind)}. {_e(REUSE_EFFECTIVE)}.</p>\n"
    else:
        yield (f"<p>Tree: <code>{_e(index.root)}</code>{f', a {kind_name(kind)}' if kind else ''}. Each file's "
               "effective licence is its tag's, else the one its licence notice grants, else the COPYING default: "
               f"<code>{_e(summary['copying_default'] or 'none')}</code>.</p>\n")
    top = list(summary["licenses"].items())[:12]
    rest = sum(n for _l, n in list(summary["licenses"].items())[12:])
    if rest:
        top.append(("(others)", rest))
    yield '<h2>License distribution</h2><div class="grid">'
    yield _bar_chart("Files by license", top, total)
    yield _bar_chart("Files by status", list(summary["statuses"].items()), total, classes=True)
    yield _bar_chart("Files by licence source", [(SOURCE_NAMES[src], n) for src, n in summary["sources"].items()],
                     total)
    yield "</div>\n"
    yield '<div class="grid"><section><h2>Files by status</h2>\n'
    yield from _html_table("statuses", (("Status", False), ("Files", True), ("Share", True)),
                           [(s, (s, n, _share(n, total))) for s, n in summary["statuses"].items()])
    yield "</section><section><h2>Where the licences come from</h2>\n"
    yield from _html_table("sources", (("Source", False), ("Files", True), ("Share", True)),
                           [(src, (SOURCE_NAMES[src], n, _share(n, total))) for src, n in summary["sources"].items()])
    yield "</section><section><h2>Findings by severity</h2>\n"
    yield from _html_table("severities", (("Severity", False), ("Findings", True)),
                           [(s, (s, n)) for s, n in summary["findings"].items()])
    yield "</section><section><h2>Files by license class</h2>\n"
    yield from _html_table("classes", (("Class", False), ("Files", True), ("Share", True)),
                           [(c, (c, n, _share(n, total))) for c, n in summary["classes"].items()])
    yield "</section></div>\n<h2>Findings by rule</h2>\n"
    rule_rows = []
    for rule_id, n in summary["rules"].items():
        rule = RULES.get(rule_id)
        rule_rows.append((rule_id, (rule_id, rule.name if rule else "", rule.severity if rule else "", n,
                                    summary["rule_files"].get(rule_id, 0))))
    yield from _html_table("rules", (("Rule", False), ("Name", False), ("Severity", False), ("Findings", True),
                                     ("Files", True)), rule_rows)
    yield ("<h2>Files by license</h2>\n<p>A license is a file of LICENSES/ with all its ids; each file counts "
           "under its effective licence (its tag's, its notice's or the COPYING default), once for each license "
           "it names.</p>\n")
    yield from _html_table("licenses", (("License", False), ("Class", False), ("Files", True), ("Share", True),
                                        ("Spellings", False)),
                           [(lic, (lic, catalog.class_of(lic) or "", n, _share(n, total), spellings_text(summary, lic)))
                            for lic, n in summary["licenses"].items()])
    yield "<h2>Files by expression</h2>\n"
    yield from _html_table("expressions", (("Expression", False), ("Files", True), ("Share", True)),
                           [(e, (e, n, _share(n, total))) for e, n in summary["expressions"].items()])
    yield ("<h2>Files by effective licence</h2>\n<p>The tags' expressions, the licences notices grant "
           "untagged files, and the COPYING default.</p>\n")
    yield from _html_table("effective", (("Effective licence", False), ("Source", False), ("Files", True),
                                         ("Share", True)),
                           [(f"{src}:{e}", (e, SOURCE_NAMES[src], n, _share(n, total)))
                            for e, src, n in effective_rows(summary)])
    if summary["invalid_expressions"]:
        yield "<h2>Tags that do not pass spdxcheck.py</h2>\n"
        yield from _html_table("invalid", (("Expression", False), ("Files", True)),
                               [(e, (e, n)) for e, n in summary["invalid_expressions"].items()])
    yield "<h2>Directories with the most problems</h2>\n"
    yield from _html_table("directories", (("Directory", False), ("Files", True), ("Problems", True),
                                           ("Files with findings", True)),
                           [(d["path"], ((d["path"] + "/") if d["path"] else "(top)", d["files"], d["problems"],
                                         d["with_findings"])) for d in summary["directories"]])
    yield (f'<h2>Files</h2>\n<p><input id="search" type="search" placeholder="Show files containing…" '
           f'aria-label="Show files containing"> <span id="shown">{total}</span> of {total} files; '
           '<button id="prev" type="button">◀</button> <span id="page"></span> '
           '<button id="next" type="button">▶</button>; click a column to sort.</p>\n'
           "<noscript><p>The list of files needs JavaScript; the CSV export has it too.</p></noscript>\n")
    yield ('<table id="files"><thead><tr><th>Path</th><th>Status</th><th>Expression</th>'
           '<th class="num">Line</th><th>Effective licence</th><th>Source</th><th>Findings</th></tr></thead>'
           '<tbody></tbody></table>\n')
    yield '<script type="application/json" id="file-data">'
    yield from _file_rows_json(job)
    yield f"</script>\n<script>{_JS}</script>\n</body></html>\n"


_JSON_IN_HTML = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _file_rows_json(job: _Job) -> Iterator[str]:
    """The files as a JSON array of [path, status, expression, line, effective licence, source, findings]
    rows, safe inside <script>. The source is "tag", "notice (lines 4-20, score 100, rule mit_59.RULE)"
    or "COPYING default".

    Files with the same status, expression, line, findings and notice differ only in their path: the
    rest of their row is dumped once."""
    from json.encoder import encode_basestring_ascii as quoted  # the C function when it is built

    index = job.index
    paths, status, exprs, lines, findings = index.paths, index.status, index.exprs, index.lines, index.findings
    notices = index.notices
    tails: dict[tuple, str] = {}
    alive: list[tuple] = []  # findings tuples keyed by id, kept alive so that no id is reused
    empty: tuple = ()
    chunk: list[str] = []
    separator = "["
    for i in job.rows:
        path = paths[i]
        found = findings.get(path, empty) if findings else empty
        notice = notices.get(path) if notices else None
        key = (status[i], exprs[i], lines[i], id(found), notice)
        tail = tails.get(key)
        if tail is None:
            kept = job.keep.apply(found) if found else empty
            notes = "\n".join(f"{f.rule} {f.severity}: {printable(f.message)}" for f in kept)
            effective = index.effective_at(i)
            source = ""
            if effective is not None:
                source = SOURCE_NAMES[effective[1]]
                if effective[1] == "notice" and notice is not None:
                    source += f" ({_notice_where(notice)})"
            row = json.dumps(["", STATUSES[status[i]], printable(exprs[i] or ""), lines[i] or "",
                              printable(effective[0]) if effective else "", source, notes])
            tail = tails[key] = row[3:].translate(_JSON_IN_HTML)  # from the comma after '[""'
            alive.append(found)
        name = quoted(path if path.isprintable() else printable(path))
        if "<" in name or ">" in name or "&" in name:
            name = name.translate(_JSON_IN_HTML)
        chunk.append(f"{separator}[{name}{tail}")
        separator = ",\n"
        if len(chunk) >= 4096:
            yield "".join(chunk)
            chunk.clear()
    chunk.append("]" if separator == ",\n" else "[]")
    yield "".join(chunk)


def _notice_where(notice: Notice) -> str:
    """``lines 4-20, score 100, rule mit_59.RULE``: where a notice is and how it was matched."""
    lines = f"line {notice.line}" if notice.line == notice.end_line else f"lines {notice.line}-{notice.end_line}"
    return f"{lines}, score {notice.score}, rule {printable(notice.rule)}"


def _write_html(job: _Job, out: TextIO) -> None:
    for chunk in html_chunks(job):
        out.write(chunk)


# SPDX -----------------------------------------------------------------------------------------


def _spdx_renderer(job: _Job, fmt: str, fresh: dict[str, str]) -> Callable[[TextIO], None]:
    """Build and validate the SPDX document first (reading every file), so a failure writes nothing.
    *fresh* gets what a copy of the document must change (``Kept.fresh``)."""
    from tui.core.spdx import build_plan

    plan = build_plan(job.index, job.positions, job.query)
    problems = plan.validate()
    if problems:
        raise ExportError(f"the SPDX document does not validate: {problems[0]}"
                          + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    fresh.update(plan.fresh_fields())
    return plan.write_json if fmt == "spdx-json" else plan.write_tv


_RENDERERS: dict[str, Callable[[_Job, TextIO], None]] = {
    "json": _write_json,
    "csv": _write_csv,
    "md": _write_md,
    "html": _write_html,
    "sarif": _write_sarif,
}


def check_report(index: LicenseIndex, keep: FindingFilter, fmt: str,
                 joined: bool = True) -> tuple[str | bytes | list[bytes], dict[str, int]]:
    """What `lictree check --format FMT` prints, and its kept findings per severity (for --fail-on): text as
    a str; JSON and SARIF as ASCII bytes (every other character is escaped in them), or (*joined* False)
    as a list of parts to write one after the other (a kernel's JSON is 25 MB: not copied once more)."""
    if fmt == "text":
        return text_report(index, keep)
    if fmt == "json":
        parts, files = json_parts(index, keep)
    elif fmt == "sarif":
        parts, files = sarif_parts(index, keep)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return (b"".join(parts) if joined else parts), kept_severities(index, keep, files)
