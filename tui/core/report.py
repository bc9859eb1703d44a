"""What `lictree check` prints: one line per finding, a summary line, or one JSON object."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from tui import __version__
from tui.core.counting import FindingFilter, summarize
from tui.core.evaluate import Record
from tui.core.rules import RULE_UNREADABLE, Finding
from tui.core.scan import CANNOT_LIST
from tui.core.status import STATUSES

if TYPE_CHECKING:  # the index is not imported to print a kept report (check's warm path)
    from tui.core.index import LicenseIndex

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
FAIL_ON = ("error", "warning", "never")

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
            text = f"{finding.line or 1}: {finding.severity} {finding.rule} {printable(finding.message)}\n"
            tail = tails[id(finding)] = (text, finding)
        lines.append(f"{shown}:{tail[0]}")
        severities[finding.severity] = severities.get(finding.severity, 0) + 1
    lines.append(_summary_of(index, severities) + "\n")
    return "".join(lines), severities


def text_report_key(keep: FindingFilter) -> str:
    """What names a text report among an index's ``extras``: this module's code and the rule selection."""
    import hashlib

    with open(__file__, "rb") as handle:
        code = hashlib.sha1(handle.read()).hexdigest()[:12]
    select = ",".join(sorted(keep.select)) if keep.select is not None else "*"
    return f"text:{code}:{select}:{','.join(sorted(keep.ignore))}"


def reaches(severities: dict[str, int], fail_on: str) -> bool:
    """Whether findings counted per severity reach the --fail-on level."""
    if fail_on == "never":
        return False
    limit = SEVERITY_RANK[fail_on]
    return any(n and SEVERITY_RANK.get(severity, 2) <= limit for severity, n in severities.items())


def fails(index: LicenseIndex, keep: FindingFilter, fail_on: str) -> bool:
    """Whether any kept finding reaches the --fail-on severity."""
    return reaches(severity_counts(iter_findings(index, keep)), fail_on)


def summary_counts(index: LicenseIndex, keep: FindingFilter, positions: Sequence[int] | None = None) -> dict:
    """The summary of `check --format json` and of exports (of a selection, *positions*): counts per
    status, severity, rule, expression, license, class and the directories with most problems.

    One implementation (``query.summarize``) counts; here the findings of directories that could not
    be listed are added and text from the tree is made printable.
    """
    summary = summarize(index, positions, keep)
    if positions is None:
        rules = summary["rules"]
        for findings in unlisted_findings(index).values():
            for finding in keep.apply(findings):
                summary["findings"][finding.severity] = summary["findings"].get(finding.severity, 0) + 1
                rules[finding.rule] = rules.get(finding.rule, 0) + 1
        summary["rules"] = dict(sorted(rules.items()))
    for key in ("expressions", "invalid_expressions"):
        summary[key] = {printable(e): n for e, n in summary[key].items()}
    if summary.get("copying_default"):
        summary["copying_default"] = printable(summary["copying_default"])
    for entry in summary["directories"]:
        entry["path"] = printable(entry["path"])
    return summary


def format_text(index: LicenseIndex, keep: FindingFilter) -> Iterator[str]:
    """``path:line: severity rule-id message`` lines, then one summary line (``text_report`` gives the
    same text at once, formatting each shared finding once)."""
    items = kept_findings(index, keep)
    for path, finding in items:
        yield f"{printable(path)}:{finding.line or 1}: {finding.severity} {finding.rule} {printable(finding.message)}"
    yield _summary_of(index, severity_counts(items))


def _summary_of(index: LicenseIndex, severities: dict[str, int]) -> str:
    return summary_line({
        "files": len(index.paths),
        "statuses": dict(index.status_counts()),
        "findings": severities,
        "licenses_from": index.ctx.known.source,
        "not_scanned": len(not_scanned(index)),
    })


def summary_line(summary: dict) -> str:
    statuses = summary["statuses"]
    findings = summary["findings"]
    parts = ", ".join(f"{statuses.get(s, 0)} {s}" for s in STATUSES)
    line = (
        f"{summary['files']} files: {parts}; "
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
    }


def check_json(index: LicenseIndex, keep: FindingFilter) -> dict:
    """The JSON document of `lictree check --format json` (keys are a stable contract)."""
    summary = summary_counts(index, keep)
    unlisted = unlisted_findings(index)
    skipped = [{"path": printable(path), "reason": printable(why),
                "findings": [_finding_json(f) for f in keep.apply(unlisted.get(path, ()))]}
               for path, why in index.skipped]
    return {
        "tool": {"name": "lictree", "version": __version__},
        "root": printable(index.root),
        "summary": summary,
        "files": [file_json(record, keep) for record in index],
        "skipped": skipped,
    }
