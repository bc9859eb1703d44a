"""The reports of a licence diff (``tui.core.diff.Diff``): text, json, md, html, csv."""

from __future__ import annotations

import json

from tui import __version__
from tui.core.diff import Diff, FileDiff, Verdict
from tui.core.report import printable

FORMATS = ("text", "json", "md", "html", "csv")
#: The groups of the text, md and html reports, in order: licence changes first.
GROUPS = (
    ("license changed", lambda f: f.same_license is False),
    ("added", lambda f: f.change == "added"),
    ("removed", lambda f: f.change == "removed"),
    ("renamed", lambda f: f.change == "renamed" and f.same_license is not False),
    ("changed, same license", lambda f: f.change == "changed" and f.same_license is not False),
)


def render(diff: Diff, fmt: str) -> str:
    return {"text": text, "json": as_json, "md": markdown, "html": as_html, "csv": as_csv}[fmt](diff)


def as_json(diff: Diff) -> str:
    data = {"tool": {"name": "lictree", "version": __version__, "files_read": diff.files_read},
            "old": diff.old, "new": diff.new,
            "summary": diff.summary(), "files": [f.as_json() for f in diff.files]}
    return json.dumps(data, indent=1, ensure_ascii=True) + "\n"


def _licence(verdict: Verdict | None) -> str:
    if verdict is None:
        return "-"
    if verdict.effective is None:
        return f"({verdict.status})"
    shown = verdict.effective
    if verdict.source != "tag":
        shown += f" [{verdict.source}]"
    if verdict.status == "invalid":
        shown += " (invalid)"
    return shown


def describe(item: FileDiff) -> str:
    """One line: the path (old -> new for a rename) and the licence (old -> new)."""
    path = printable(item.path if item.old_path is None else f"{item.old_path} -> {item.path}")
    if item.change == "added":
        return f"{path}: {_licence(item.new)}"
    if item.change == "removed":
        return f"{path}: {_licence(item.old)}"
    before, after = _licence(item.old), _licence(item.new)
    if before == after:
        return f"{path}: {after}"
    note = "" if item.same_license is not True else " (same license)"
    return f"{path}: {before} -> {after}{note}"


def summary_line(diff: Diff) -> str:
    s = diff.summary()["files"]
    return (f"{s['added']} added, {s['removed']} removed, {s['renamed']} renamed, {s['changed']} changed "
            f"({s['license_changed']} license changes, {s['spelling_only']} spelling only); "
            f"{s['modified_same_verdict']} modified with the same verdict")


def summary_lines(diff: Diff) -> list[str]:
    """The summary of the text report, one line each (sides, licences gained and lost, new ids, LICENSES/...)."""
    summary = diff.summary()
    lines = [f"old: {printable(diff.old.get('rev') or diff.old['root'])}   new: "
             f"{printable(diff.new.get('rev') or diff.new['root'])}"]
    deltas = summary["licenses"]
    if deltas:
        lines.append("licenses (files gaining / losing): " + ", ".join(
            f"{name} +{d['added']}/-{d['removed']}" for name, d in deltas.items()))
    if summary["new_ids"]:
        lines.append("new license ids: " + ", ".join(summary["new_ids"]))
    lic = summary["licenses_dir"]
    parts = [f"{what} {', '.join(lic[what])}" for what in ("added", "removed", "changed") if lic.get(what)]
    parts += [f"ids {what[4:]} {', '.join(lic[what])}" for what in ("ids_added", "ids_removed") if lic.get(what)]
    if parts:
        lines.append("LICENSES/: " + "; ".join(parts))
    if summary["copying"]["old"] != summary["copying"]["new"]:
        lines.append(f"COPYING default: {summary['copying']['old']} -> {summary['copying']['new']}")
    if summary["untagged_added"]:
        lines.append(f"files newly without a tag: {summary['untagged_added']}")
    lines.extend(f"note: {note}" for note in summary["notes"])
    return lines


def text(diff: Diff) -> str:
    out: list[str] = []
    for title, wanted in GROUPS:
        chosen = [f for f in diff.files if wanted(f)]
        if chosen:
            out.append(f"== {title} ({len(chosen)})")
            out.extend(f"{f.change:<8} {describe(f)}" for f in chosen)
    out.extend(summary_lines(diff))
    out.append(summary_line(diff))
    return "\n".join(out) + "\n"


def _md(text_: str) -> str:
    return printable(text_).replace("|", "\\|").replace("`", "\\`")


def markdown(diff: Diff) -> str:
    out = ["# License diff", "", *[f"- {_md(line)}" for line in summary_lines(diff)], f"- {summary_line(diff)}", ""]
    for title, wanted in GROUPS:
        chosen = [f for f in diff.files if wanted(f)]
        if not chosen:
            continue
        out += [f"## {title} ({len(chosen)})", "", "| path | old path | old license | new license |",
                "|---|---|---|---|"]
        out += [f"| {_md(f.path)} | {_md(f.old_path or '')} | {_md(_licence(f.old))} | {_md(_licence(f.new))} |"
                for f in chosen]
        out.append("")
    return "\n".join(out)


def as_html(diff: Diff) -> str:
    import html

    esc = html.escape
    out = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>lictree diff</title>",
           "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:left}"
           ".lic{background:#fde}</style></head><body>", "<h1>License diff</h1>", "<ul>"]
    out += [f"<li>{esc(printable(line))}</li>" for line in [*summary_lines(diff), summary_line(diff)]]
    out.append("</ul>")
    for title, wanted in GROUPS:
        chosen = [f for f in diff.files if wanted(f)]
        if not chosen:
            continue
        out.append(f"<h2>{esc(title)} ({len(chosen)})</h2><table><tr><th>path</th><th>old path</th>"
                   "<th>old license</th><th>new license</th></tr>")
        for f in chosen:
            css = " class=\"lic\"" if f.same_license is False else ""
            out.append(f"<tr{css}><td>{esc(printable(f.path))}</td><td>{esc(printable(f.old_path or ''))}</td>"
                       f"<td>{esc(_licence(f.old))}</td><td>{esc(_licence(f.new))}</td></tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def as_csv(diff: Diff) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["path", "old_path", "change", "same_license", "old_status", "old_expression", "old_effective",
                     "old_source", "new_status", "new_expression", "new_effective", "new_source"])
    for f in diff.files:
        row = [f.path, f.old_path or "", f.change, "" if f.same_license is None else str(f.same_license).lower()]
        for verdict in (f.old, f.new):
            row += ["", "", "", ""] if verdict is None else [verdict.status, verdict.expression or "",
                                                             verdict.effective or "", verdict.source or ""]
        writer.writerow(row)
    return buffer.getvalue()
