"""What `lictree check` prints: one line per finding, a summary line, or one JSON object."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import repeat
from operator import add
from typing import TYPE_CHECKING, TypeVar

from tui import __version__
from tui.core.counting import FindingFilter, Tally, summarize, tally
from tui.core.evaluate import Record
from tui.core.kept import reaches
from tui.core.notices.notice import Notice
from tui.core.reuse.detect import kind_name
from tui.core.reuse.origin import Origin
from tui.core.rules import RULE_UNREADABLE, Finding
from tui.core.scan import CANNOT_LIST
from tui.core.status import STATUSES

T = TypeVar("T")

if TYPE_CHECKING:  # the index is not imported to print a kept report (check's warm path)
    from tui.core.index import LicenseIndex


#: C0/C1 controls, line/paragraph separators, bidi controls (which reorder what a terminal shows:
#: "Trojan Source") and lone surrogates (bytes of a name that were not UTF-8).
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """*text* with control characters, escapes, bidi controls and undecodable bytes shown as ``\\xNN``."""
    if text.isprintable():  # none of the characters above is printable: the common case costs one call
        return text

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL_RE.sub(escape, text)


def unlisted_findings(index: LicenseIndex) -> dict[str, tuple[Finding, ...]]:
    """An LT001 finding for each directory that could not be listed: its files are unknown, not absent."""
    return {path: (RULE_UNREADABLE.finding(None, why),) for path, why in index.skipped if why.startswith(CANNOT_LIST)}


def not_scanned(index: LicenseIndex) -> list[tuple[str, str]]:
    """What was left out on purpose (symlinks to directories, git submodules), with why."""
    return [(path, why) for path, why in index.skipped if not why.startswith(CANNOT_LIST)]


def iter_findings(index: LicenseIndex, keep: FindingFilter) -> Iterator[tuple[str, Finding]]:
    """(path, finding) for every kept finding, in path order (directories that could not be listed too)."""
    unlisted = unlisted_findings(index)
    findings = {**index.findings, **unlisted} if unlisted else index.findings
    apply = keep.apply
    for path in sorted(findings):
        for finding in apply(findings[path]):
            yield path, finding


def kept_findings(index: LicenseIndex, keep: FindingFilter) -> list[tuple[str, Finding]]:
    """``iter_findings`` as a list, for callers that go over the findings more than once."""
    return list(iter_findings(index, keep))


def severity_counts(found: Iterable[tuple[str, Finding]]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for _path, finding in found:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return counts


def kept_severities(index: LicenseIndex, keep: FindingFilter, files: Counter | None = None) -> dict[str, int]:
    """``severity_counts(iter_findings(index, keep))``, without sorting or going over every file's findings:
    each distinct tuple of findings (most are shared between files) is filtered once and counted as often as
    files have it. *files*: the kept findings of the files per severity, counted already (by the readers: a
    ``Tally``'s): only the directories that could not be listed are added."""
    unlisted = unlisted_findings(index)
    if files is not None:
        counts = {"error": 0, "warning": 0, "info": 0, **files}
        for found in unlisted.values():
            for finding in keep.apply(found):
                counts[finding.severity] = counts.get(finding.severity, 0) + 1
        return counts
    findings = {**index.findings, **unlisted} if unlisted else index.findings
    found = list(findings.values())
    times = Counter(map(id, found))
    counts = {"error": 0, "warning": 0, "info": 0}
    for one in {id(f): f for f in found}.values():
        n = times[id(one)]
        for finding in keep.apply(one):
            counts[finding.severity] = counts.get(finding.severity, 0) + n
    return counts


def text_report(index: LicenseIndex, keep: FindingFilter) -> tuple[str, dict[str, int]]:
    """What `lictree check` prints (every line, newline-ended) and its kept findings per severity.

    The lines are those of ``format_text``; findings are shared between files (the same untagged
    warning on 15,000 of them), so each one's part of the line is formatted once.
    """
    severities = {"error": 0, "warning": 0, "info": 0}
    lines: list[str] = []
    tails: dict[int, tuple[str, Finding]] = {}  # id -> (text, the finding, kept alive so the id stays its own)
    shown_for, shown = None, ""
    for path, finding in iter_findings(index, keep):
        if path is not shown_for:
            shown_for, shown = path, printable(path)
        tail = tails.get(id(finding))
        if tail is None:
            text = finding_tail(finding) + "\n"
            tail = tails[id(finding)] = (text, finding)
        lines.append(f"{shown}:{tail[0]}")
        severities[finding.severity] = severities.get(finding.severity, 0) + 1
    lines.append(_summary_of(index, severities) + "\n")
    return "".join(lines), severities


def fails(index: LicenseIndex, keep: FindingFilter, fail_on: str) -> bool:
    """Whether any kept finding reaches the --fail-on severity."""
    return reaches(kept_severities(index, keep), fail_on)


def summary_counts(index: LicenseIndex, keep: FindingFilter, positions: Sequence[int] | None = None,
                   counted: Tally | None = None) -> dict:
    """The summary of `check --format json` and of exports (of a selection, *positions*): counts per
    status, severity, rule, expression, license, class and the directories with most problems.

    One implementation (``counting.summarize``) counts (from *counted*, the files' ``Tally``, where it was
    made already); here the findings of directories that could not be listed are added and text from the
    tree is made printable.
    """
    summary = summarize(index, positions, keep, counted=counted)
    if positions is None:
        rules = summary["rules"]
        for findings in unlisted_findings(index).values():
            for finding in keep.apply(findings):
                summary["findings"][finding.severity] = summary["findings"].get(finding.severity, 0) + 1
                rules[finding.rule] = rules.get(finding.rule, 0) + 1
        summary["rules"] = dict(sorted(rules.items()))
    for key in ("expressions", "invalid_expressions", "notice_expressions"):
        summary[key] = {printable(e): n for e, n in summary[key].items()}
    if summary.get("copying_default"):
        summary["copying_default"] = printable(summary["copying_default"])
    for entry in summary["directories"]:
        entry["path"] = printable(entry["path"])
    return summary


def finding_tail(finding: Finding) -> str:
    """What follows the path in a finding's line of the text report: ``line: severity rule-id message``."""
    return f"{finding.line or 1}: {finding.severity} {finding.rule} {printable(finding.message)}"


def finding_line(path: str, finding: Finding) -> str:
    """One finding as the text report prints it: ``path:line: severity rule-id message``."""
    return f"{printable(path)}:{finding_tail(finding)}"


def format_text(index: LicenseIndex, keep: FindingFilter) -> Iterator[str]:
    """``path:line: severity rule-id message`` lines, then one summary line (``text_report`` gives the
    same text at once, formatting each shared finding once)."""
    items = kept_findings(index, keep)
    for path, finding in items:
        yield finding_line(path, finding)
    yield _summary_of(index, severity_counts(items))


def source_counts(index: LicenseIndex, rows: Sequence[int] | None = None) -> dict[str, int]:
    """How many files (of *rows*; None: all) have their effective licence from their tag, their notice and
    the COPYING default (``LicenseIndex.effective_columns``): the summary's ``"sources"``."""
    _exprs, codes = index.effective_columns()
    if rows is not None:
        codes = bytes(map(codes.__getitem__, rows))
    if index.ctx.reuse is not None:  # a REUSE tree's sources (evaluate.SOURCES: tag 0, then 3, 4, 5)
        return {"tag": codes.count(0), "sidecar": codes.count(3), "reuse-toml": codes.count(4), "dep5": codes.count(5)}
    return {"tag": codes.count(0), "notice": codes.count(1), "copying": codes.count(2)}


def sources_text(sources: dict[str, int]) -> str:
    """``33 tag, 2 notice, 3 COPYING default``: where the files' effective licences come from (a REUSE tree's:
    ``30 tag, 2 sidecar, 5 REUSE.toml, 0 dep5``)."""
    if "sidecar" in sources:
        return ", ".join(f"{sources.get(key, 0)} {name}" for key, name in
                         (("tag", "tag"), ("sidecar", "sidecar"), ("reuse-toml", "REUSE.toml"), ("dep5", "dep5")))
    tag, notice, copying = (sources.get(source, 0) for source in ("tag", "notice", "copying"))
    return f"{tag} tag, {notice} notice, {copying} COPYING default"


def _summary_of(index: LicenseIndex, severities: dict[str, int]) -> str:
    return summary_line({
        "files": len(index.paths),
        "statuses": dict(index.status_counts()),
        "sources": source_counts(index),
        "findings": severities,
        "licenses_from": index.ctx.known.source,
        "kind": index.ctx.kind,
        "not_scanned": len(not_scanned(index)),
        "scope": index.scope,
    })


def summary_line(summary: dict) -> str:
    statuses = summary["statuses"]
    findings = summary["findings"]
    parts = ", ".join(f"{statuses.get(s, 0)} {s}" for s in STATUSES)
    if summary.get("sources"):  # where each file's effective licence comes from
        parts += f"; licence sources: {sources_text(summary['sources'])}"
    scope = summary.get("scope")
    tree = kind_name(summary.get("kind"))
    tree += ", " if tree else ""
    line = (
        f"{tree}{summary['files']} files{f' under {printable(scope)}' if scope else ''}: {parts}; "
        f"{findings['error']} errors, {findings['warning']} warnings, {findings['info']} info "
        f"(ids checked against {summary['licenses_from']})"
    )
    if summary.get("not_scanned"):
        line += f"; {summary['not_scanned']} not scanned: symlinks to directories, git submodules (see --format json)"
    return line


def _finding_json(finding: Finding) -> dict:
    return {"rule": finding.rule, "severity": finding.severity, "line": finding.line,
            "message": printable(finding.message)}


def file_json(record: Record, keep: FindingFilter) -> dict:
    """One file's entry; text from the tree (path, expression, messages) goes through ``printable``."""
    return {
        "path": printable(record.path),
        "expression": None if record.expression is None else printable(record.expression),
        "line": record.line,
        "status": record.status,
        "licenses": list(record.licenses),
        "findings": [_finding_json(f) for f in keep.apply(record.findings)],
        "notice": None if record.notice is None else notice_json(record.notice),
        "effective": None if record.effective is None else {"expression": printable(record.effective[0]),
                                                            "source": record.effective[1]},
        **({} if record.origin is None else {"reuse": origin_json(record.origin)}),
    }


def origin_json(origin: Origin) -> dict:
    """A REUSE tree's file: each expression with its source and file, and its copyright notices."""
    doc = origin.as_json()
    for part in doc["expressions"]:
        part["expression"], part["file"] = printable(part["expression"]), printable(part["file"])
    doc["copyrights"] = [printable(text) for text in doc["copyrights"]]
    return doc


def notice_json(notice: Notice) -> dict:
    """A file's ``"notice"``: where its licence notice is, what it grants, how well and by which rule."""
    doc = notice.as_json()
    doc["expression"] = printable(doc["expression"])
    return doc


def skipped_json(index: LicenseIndex, keep: FindingFilter) -> list[dict]:
    """What was not scanned and the directories that could not be listed, with their findings."""
    unlisted = unlisted_findings(index)
    return [{"path": printable(path), "reason": printable(why),
             "findings": [_finding_json(f) for f in keep.apply(unlisted.get(path, ()))]}
            for path, why in index.skipped]


def check_json(index: LicenseIndex, keep: FindingFilter) -> dict:
    """The JSON document of `lictree check --format json` (keys are a stable contract).

    ``json_chunks`` writes the same document without building it (this is for callers that want
    the dict)."""
    return {
        "tool": {"name": "lictree", "version": __version__},
        "root": printable(index.root),
        **({"scope": printable(index.scope)} if index.scope else {}),
        "summary": summary_counts(index, keep),
        "files": [file_json(record, keep) for record in index],
        "skipped": skipped_json(index, keep),
    }


#: From this many files on, a report's parts are made by two processes at once (``meanwhile``).
PARALLEL_FILES = 20000


def meanwhile(run: Callable[[], T], files: int) -> Callable[[], T]:
    """*run* started in a forked child (``readers.forked_call``) when a report is of PARALLEL_FILES files or
    more, else left to be called when its result is wanted: what gives its result."""
    if files < PARALLEL_FILES:
        return run
    from tui.core.readers import forked_call

    return forked_call(run)


#: Stands for a long list in a document dumped with indentation; the list is written after, a line an item.
LIST_MARK = "\x00lictree-list\x00"
_CHUNK = 4096


def dumps_around(doc: dict, items: Iterable[str], close: str = "]") -> Iterator[str]:
    """*doc* as indented JSON, with the one value equal to ``LIST_MARK`` replaced by a list of
    *items* (each already JSON), one a line.

    Only the small head goes through the (pure Python) indenting encoder; each item is dumped by
    the C encoder, or formatted once and shared: an 87,000-file document costs a fraction of
    ``json.dump(doc, indent=1)``.
    """
    import json

    text = json.dumps(doc, indent=1)
    mark = json.dumps(LIST_MARK)
    at = text.index(mark)
    line = text[text.rfind("\n", 0, at) + 1 : at]
    indent = line[: len(line) - len(line.lstrip(" "))]
    yield text[:at] + "["
    separator = "\n" + indent + " "
    chunk: list[str] = []
    for item in items:
        chunk.append(separator)
        chunk.append(item)
        separator = ",\n" + indent + " "
        if len(chunk) >= _CHUNK:
            yield "".join(chunk)
            chunk.clear()
    chunk.append(("\n" + indent + close) if separator.startswith(",") else close)
    yield "".join(chunk)
    yield text[at + len(mark):] + "\n"


def json_strings(texts: Sequence[str]) -> list[str]:
    """``json.dumps(printable(text))`` of each of *texts*, by the C encoder."""
    from json.encoder import encode_basestring_ascii as quoted  # the C function when it is built

    if not all(map(str.isprintable, texts)):
        texts = list(map(printable, texts))
    return list(map(quoted, texts))


def outcome_keys(index: LicenseIndex, rows: Sequence[int] | None = None) -> tuple[list[str], list[tuple]]:
    """The paths of *rows* (all files: None) and, for each, what its entry in a report depends on
    besides its path: (status, expression, line, findings or None, notice or None).

    Most files of a kernel share theirs with thousands of others (6.12: a few hundred distinct keys
    for 87,000 files), so a report formats each distinct key once."""
    if rows is None:
        paths, status, exprs, lines = index.paths, index.status, index.exprs, index.lines
    else:
        paths = [index.paths[i] for i in rows]
        status = [index.status[i] for i in rows]
        exprs = [index.exprs[i] for i in rows]
        lines = [index.lines[i] for i in rows]
    found = map(index.findings.get, paths) if index.findings else repeat(None)
    noticed = map(index.notices.get, paths) if index.notices else repeat(None)
    if index.origins:  # a REUSE tree: where each file's licensing comes from is part of its entry
        return paths, list(zip(status, exprs, lines, found, noticed, map(index.origins.get, paths)))
    return paths, list(zip(status, exprs, lines, found, noticed))


def shared_tails(keys: Sequence[tuple], rows: Sequence[int] | None, tail: Callable[[int], str],
                 made: dict[tuple, str] | None = None) -> list[str]:
    """For each key of ``outcome_keys``, *tail* of one file (its position) with that key: each is made once
    (once for all calls given the same *made*, where the tails already made are kept)."""
    some = dict(zip(keys, range(len(keys))))  # a file of each key (the last one)
    if made is None:
        made = {key: tail(j if rows is None else rows[j]) for key, j in some.items()}
    else:
        for key, j in some.items():
            if key not in made:
                made[key] = tail(j if rows is None else rows[j])
    return list(map(made.__getitem__, keys))


def file_lines(index: LicenseIndex, keep: FindingFilter, rows: Sequence[int] | None = None,
               made: dict[tuple, str] | None = None) -> list[str]:
    """``json.dumps(file_json(record, keep))`` for each file (of *rows*), in order.

    Files with the same status, expression, line and findings differ only in their path: the rest
    of their line is dumped once (``outcome_keys``), and the paths are encoded by the C encoder.
    *made*: the rests already dumped, kept from call to call (``FilesJson``).
    """
    import json

    def tail(i: int) -> str:
        whole = json.dumps(file_json(index.record_at(i), keep))
        head = '{"path": ' + json_strings([index.paths[i]])[0]
        if not whole.startswith(head):
            raise AssertionError("file_json no longer begins with the path")
        return whole[len(head):]

    paths, keys = outcome_keys(index, rows)
    tails = shared_tails(keys, rows, tail, made)
    if _PLAIN_JSON.fullmatch("".join(paths)):  # (most trees: printable ASCII, no quote or backslash to escape)
        return list(map(add, map(add, repeat('{"path": "'), paths), map(add, repeat('"'), tails)))
    names = map(add, repeat('{"path": '), json_strings(paths))
    return list(map(add, names, tails))


#: Text that ``json.dumps(printable(text))`` only puts in quotes.
_PLAIN_JSON = re.compile(r'[ !#-\[\]-~]*')


#: Between two files' lines in the "files" list of `check --format json` (as ``dumps_around`` writes it).
FILES_SEPARATOR = ",\n  "


class FilesJson:
    """The "files" lines of `check --format json` for a chunk of consecutive files, joined by FILES_SEPARATOR,
    as ASCII bytes, and the chunk's counts for the summary: what the reader processes make of each chunk
    while they read (``build_index``'s *chunk_report*), so that the main process only puts them together
    (``json_report``). A reader dumps each distinct rest of a line (``file_lines``) once for all its chunks."""

    def __init__(self, keep: FindingFilter) -> None:
        self.keep = keep
        self._made: dict[tuple, str] = {}

    def __call__(self, chunk: LicenseIndex) -> tuple[bytes, Tally]:
        """The chunk's lines, and its files counted for the summary (``counting.tally``)."""
        lines = FILES_SEPARATOR.join(file_lines(chunk, self.keep, made=self._made)).encode("ascii")
        return lines, tally(chunk, None, self.keep)


def json_report(index: LicenseIndex, keep: FindingFilter) -> list[bytes]:
    """`lictree check --format json`'s document (``json_chunks``), as ASCII bytes in parts (to be written one
    after the other); from the lines the readers made (``FilesJson``, ``index.chunk_reports``) where they
    made them with *keep*."""
    return json_parts(index, keep)[0]


def json_parts(index: LicenseIndex, keep: FindingFilter) -> tuple[list[bytes], Counter | None]:
    """``json_report``, and the kept findings of the files per severity where the readers counted them (None
    otherwise)."""
    made = index.chunk_reports
    if made is None or not isinstance(made[0], FilesJson) or made[0].keep is not keep:
        return ["".join(json_chunks(index, keep)).encode("ascii")], None
    counted = Tally()
    for _lines, part in made[1]:
        counted.add(part)

    doc = {
        "tool": {"name": "lictree", "version": __version__},
        "root": printable(index.root),
        **({"scope": printable(index.scope)} if index.scope else {}),
        "summary": summary_counts(index, keep, counted=counted),
        "files": LIST_MARK,
        "skipped": skipped_json(index, keep),
    }
    return assemble(doc, (piece for piece, _part in made[1]), FILES_SEPARATOR), counted.severities


def assemble(doc: dict, pieces: Iterable[bytes], separator: str) -> list[bytes]:
    """*doc* as indented JSON (as ``dumps_around`` writes it), ASCII in parts, with the one value equal to LIST_MARK
    replaced by the list whose items come in *pieces*: runs of items (each already JSON) joined by
    *separator*, which must be the one ``dumps_around`` puts between items at that depth."""
    import json

    text = json.dumps(doc, indent=1)
    mark = json.dumps(LIST_MARK)
    at = text.index(mark)
    line = text[text.rfind("\n", 0, at) + 1 : at]
    indent = line[: len(line) - len(line.lstrip(" "))]
    if ",\n" + indent + " " != separator:
        raise AssertionError(f"the list is indented with {indent!r}, not as {separator!r} says")
    parts = [text[:at].encode("ascii") + b"["]
    between = ("\n" + indent + " ").encode("ascii")
    for piece in pieces:
        if piece:
            parts.append(between)
            parts.append(piece)
            between = separator.encode("ascii")
    parts.append((("\n" + indent) if len(parts) > 1 else "").encode("ascii") + b"]")
    parts.append((text[at + len(mark):] + "\n").encode("ascii"))
    return parts


def json_chunks(index: LicenseIndex, keep: FindingFilter, positions: Sequence[int] | None = None,
                extra: dict | None = None) -> Iterator[str]:
    """`lictree check --format json`'s document (``check_json``), as text: indented, one file a line.

    Of a selection (*positions*), the document has the selection's summary and files and no
    "skipped"; *extra* keys (export's "filter") come last.
    """
    # The summary is counted in a child process while this one formats the files' lines (a large tree).
    summary = meanwhile(partial(summary_counts, index, keep, positions),
                        len(index.paths) if positions is None else len(positions))
    lines = file_lines(index, keep, positions)
    doc = {
        "tool": {"name": "lictree", "version": __version__},
        "root": printable(index.root),
        **({"scope": printable(index.scope)} if index.scope else {}),  # a path inside the tree: only its files
        "summary": summary(),
        "files": LIST_MARK,
    }
    if positions is None:
        doc["skipped"] = skipped_json(index, keep)
    if extra:
        doc.update(extra)
    return dumps_around(doc, lines)
