"""What the detail pane says about a file or a directory, as Textual ``Content`` sections.

Everything here is presentation of what the core computed: the verdict and findings from the
index, each license id's LICENSES/ entry from the catalog, the applicable COPYING files from
``tui.core.copying``, the file's head from ``tui.core.preview``. Text from the tree is always
plain ``Content`` (never markup). Runs in a worker thread: no widget is touched here.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import lru_cache

from textual.content import Content

from tui.core.catalog import Catalog, LicenseEntry
from tui.core.copying import LicenseFile, applicable
from tui.core.counting import DirStats
from tui.core.evaluate import effective
from tui.core.expressions import structure_lines
from tui.core.notices.notice import Notice
from tui.core.preview import Head
from tui.core.report import printable
from tui.core.reuse.origin import Origin
from tui.core.rules import RULES, Finding
from tui.core.rules.notices import TAG_CONTRADICTS_NOTICE, suggested_tag
from tui.core.status import EXCLUDED, INVALID, STATUSES, UNREADABLE, UNTAGGED, VALID
from tui.ui.data import FileState, TreeData
from tui.ui.rows import GLYPH_ERROR, GLYPH_FINDINGS, NOTICE_MARK, glyph_for
from tui.ui.themes import Palette

HEADING = "bold $text-accent"
MUTED = "$text-muted"
LABEL = "$text-primary"
TOP_LICENSES = 15
#: How the head marks the lines of a file's licence notice (the tag's line is ▶, finding lines !).
NOTICE_LINE = "bold $text-secondary"
NOTICE_BACKGROUND = "on $secondary 12%"
#: Where a file's effective licence comes from, as the detail pane says it (``evaluate.SOURCES``).
SOURCE_WORDS = {"tag": "from its SPDX tag", "notice": "from its licence notice (no tag)",
                "copying": "the COPYING default (no tag, no notice)",
                "sidecar": "from its .license sidecar", "reuse-toml": "from REUSE.toml", "dep5": "from .reuse/dep5"}
_SEVERITY_GLYPH = {"error": GLYPH_ERROR, "warning": GLYPH_FINDINGS, "info": GLYPH_FINDINGS}


@dataclass(frozen=True, slots=True)
class Section:
    """One titled block of the detail pane."""

    name: str
    title: str
    body: Content


def _plain(text: str, style: str = "") -> Content:
    """Text from the tree or the catalog as Content: never parsed as markup, controls made visible."""
    return Content.styled(printable(text), style) if style else Content(printable(text))


def _lines(parts: list[Content]) -> Content:
    return Content("\n").join(parts)


#: Kernel names pygments gets wrong or does not know: .S is assembler, not the S language.
_KERNEL_LANGUAGES = {
    "Kbuild": "make", "Makefile": "make", "Kconfig": "kconfig",
    ".S": "gas", ".s": "gas", ".h": "c", ".c": "c", ".lds": "text", ".dts": "devicetree", ".dtsi": "devicetree",
    ".pl": "perl", ".pm": "perl",
}


@lru_cache(maxsize=1)
def _filename_table() -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    """pygments' file-name patterns as (exact names, suffixes, other patterns) -> language alias.

    Built from pygments' own lexer table, without pygments' lookup, which on an unknown name
    scans every installed package's entry points (slow, and tens of MB).
    """
    from pygments.lexers._mapping import LEXERS

    exact: dict[str, str] = {}
    suffix: dict[str, str] = {}
    patterns: list[tuple[str, str]] = []
    for _module, _name, aliases, filenames, _mimetypes in LEXERS.values():
        if not aliases:
            continue
        for pattern in filenames:
            if not any(c in pattern for c in "*?["):
                exact.setdefault(pattern, aliases[0])
            elif pattern.startswith("*.") and not any(c in pattern[2:] for c in "*?["):
                suffix.setdefault(pattern[2:], aliases[0])
            else:
                patterns.append((pattern, aliases[0]))
    return exact, suffix, patterns


def language_for(name: str) -> str:
    """The pygments language of a file, from its name alone ("text" when unknown)."""
    stem, dot, extension = name.rpartition(".")
    for key in (name, stem if dot else None, dot + extension if dot else None):
        if key and key in _KERNEL_LANGUAGES:
            return _KERNEL_LANGUAGES[key]
    exact, suffix, patterns = _filename_table()
    if name in exact:
        return exact[name]
    parts = name.split(".")
    for i in range(1, len(parts)):
        found = suffix.get(".".join(parts[i:]))
        if found:
            return found
    for pattern, language in patterns:
        if fnmatch.fnmatchcase(name, pattern):
            return language
    return "text"


# Files ---------------------------------------------------------------------------------------


def describe_file(data: TreeData, palette: Palette, path: str, head: Head | None) -> list[Section]:
    """The sections for one file: verdict, findings, license, COPYING files, head."""
    state = data.file(path)
    sections = [Section("title", "", _file_title(path, state, palette))]
    if state is None:
        sections.append(Section("license", "License", Content.styled("Not read yet: indexing…", MUTED)))
    else:
        if state.findings:
            title = f"Findings ({len(state.findings)})"
            sections.append(Section("findings", title, _findings(state.findings, palette)))
        if state.notice is not None:
            sections.append(Section("notice", "Licence notice", _notice(path, state, state.notice, head, palette)))
        sections.append(Section("license", "License", _license(data, palette, state)))
    if data.index is not None:
        sections.append(Section("copying", "COPYING", _copying(data, path, state)))
    if head is not None:
        sections.append(Section("head", _head_title(path, head), head_content(path, head, state)))
    return sections


def _file_title(path: str, state: FileState | None, palette: Palette) -> Content:
    title = _plain(path, "bold")
    if state is None:
        return _lines([title, Content.styled("· not read yet", palette.status["pending"])])
    glyph = glyph_for(state.status, state.findings)
    parts: list[Content | tuple[str, str] | str] = [(glyph.char + " ", palette.status[glyph.key])]
    parts.append((STATUSES[state.status], palette.status[glyph.key]))
    if state.expression is not None:
        colour = palette.license_colour(state.expression) if state.status == 0 else palette.status["invalid"]
        parts += ["  ", _plain(state.expression, colour)]
    if state.line:
        parts.append((f"  (line {state.line})", MUTED))
    notice = state.notice
    if state.status == UNTAGGED and notice is not None:
        parts += ["  ", notice_licence(notice.expression, palette), (f"  (the notice, {_span(notice)})", MUTED)]
    return _lines([title, Content.assemble(*parts)])


def notice_licence(expression: str, palette: Palette) -> Content:
    """A licence read from a notice, as the tree shows it: ¶, its colour, italics (never taken for a tag)."""
    return Content.assemble((f"{NOTICE_MARK} ", f"{palette.license_colour(expression)} italic"),
                            _plain(expression, f"{palette.license_colour(expression)} italic"))


def _span(notice: Notice) -> str:
    return f"line {notice.line}" if notice.end_line <= notice.line else f"lines {notice.line}–{notice.end_line}"


def _head_bytes(head: Head | None) -> bytes:
    """The first lines of the file again, as far as placing a tag needs them (#!, <?xml, a coding line)."""
    if head is None or not head.lines:
        return b""
    return "\n".join(head.lines.get(n, "") for n in range(1, 5)).encode("utf-8", "surrogateescape")


def _notice(path: str, state: FileState, notice: Notice, head: Head | None, palette: Palette) -> Content:
    """The notice: which lines grant what (and, for a tagged file, what the tag's line says beside it), the
    rule and score of the match; for an untagged file the tag line to add, for a contradiction LT601's verdict."""
    colour = palette.license_colour(notice.expression)
    tagged = state.expression is not None and state.status in (VALID, INVALID)
    rows: list[Content] = []
    if tagged:
        tag_colour = palette.license_colour(state.expression) if state.status == VALID else palette.status["invalid"]
        rows.append(Content.assemble((f"{'Tag':<15}", LABEL), (f"line {state.line} says ", ""),
                                     _plain(state.expression or "", tag_colour)))
    verb = "says" if notice.end_line <= notice.line else "say"
    rows.append(Content.assemble((f"{'Notice':<15}", LABEL), (f"{_span(notice)} {verb} ", ""),
                                 notice_licence(notice.expression, palette), ("  (marked ¶ in the head)", MUTED)))
    others = [r for r in notice.rules if r != notice.rule]
    rule = [(f"{'Matched rule':<15}", LABEL), _plain(notice.rule)]
    if others:
        rule += [(f"  (and {len(others)} more: ", MUTED),
                 _plain(", ".join(others[:3]) + (" …" if len(others) > 3 else ""), MUTED), (")", MUTED)]
    rows.append(Content.assemble(*rule))
    rows.append(Content.assemble((f"{'Score':<15}", LABEL), (f"{notice.score}", "bold"), (" of 100", MUTED)))
    if notice.unversioned:
        rows.append(Content.styled(" " * 15 + "an unversioned GPL, read as GPL-2.0 as include/linux/module.h "
                                   'reads "GPL"', MUTED))
    if state.status == UNTAGGED:
        line, text = suggested_tag(path, notice.expression, _head_bytes(head))
        rows.append(Content.assemble((f"{'Suggested tag':<15}", LABEL), _plain(text, f"bold {colour}"),
                                     (f"  on line {line}", MUTED)))
        rows.append(Content.styled(" " * 15 + "(lictree suggest writes it as a patch)", MUTED))
    elif tagged:
        if any(f.rule == TAG_CONTRADICTS_NOTICE.id for f in state.findings):
            rows.append(Content.assemble((f"{GLYPH_ERROR.char} ", palette.status["invalid"]),
                                         ("they disagree (LT601): the tag is what counts, the notice says otherwise",
                                          palette.status["invalid"])))
        else:
            rows.append(Content.styled("The tag is the file's licence; the notice does not contradict it.", MUTED))
    return _lines(rows)


def _findings(findings: tuple[Finding, ...], palette: Palette) -> Content:
    rows = []
    for finding in sorted(findings, key=lambda f: (f.line or 0, f.rule)):
        glyph = _SEVERITY_GLYPH.get(finding.severity, GLYPH_FINDINGS)
        where = f"line {finding.line}" if finding.line else "file"
        rule = RULES.get(finding.rule)
        rows.append(Content.assemble(
            (glyph.char + " ", palette.status[glyph.key]),
            (f"{where:<9} ", LABEL),
            (f"{finding.rule} {finding.severity}", palette.status[glyph.key]),
            (f" {rule.name}" if rule else "", MUTED),
        ))
        rows.append(Content.assemble("  ", _plain(finding.message)))
    return _lines(rows)


def _license(data: TreeData, palette: Palette, state: FileState) -> Content:
    index = data.index
    catalog = index.catalog if index is not None else None
    parts: list[Content] = []
    reuse = index is not None and index.ctx.reuse is not None
    if state.status == EXCLUDED:
        parts.append(Content("Not covered by REUSE (LICENSES/, *.license, REUSE.toml, COPYING*, LICENSE*, an empty "
                             "file or a symlink): it needs no licensing information." if reuse else
                             "Excluded from checking by scripts/spdxexclude: the file is not read."))
        return _lines(parts)
    if state.status == UNREADABLE:
        parts.append(Content("The file could not be read (see the findings)."))
        return _lines(parts)
    found = effective(state.status, state.expression, state.notice,
                      catalog.copying_default if catalog is not None else None, state.origin)
    if found is not None:
        licence, source = found
        shown = notice_licence(licence, palette) if source == "notice" else _plain(
            licence, palette.license_colour(licence) if state.status != INVALID else palette.status["invalid"])
        parts.append(Content.assemble(("Effective licence  ", LABEL), shown, ("  " + SOURCE_WORDS[source], MUTED)))
    expression = state.expression
    notice = state.notice
    if state.origin is not None:  # a REUSE tree: where each part comes from, and the copyright notices
        parts.extend(_reuse_origin(state.origin, palette))
        if expression is None:
            return _lines(parts)
    if state.origin is not None:
        pass  # (a REUSE tree has no 15-line rule and no COPYING default)
    elif state.status == UNTAGGED and notice is not None:
        parts.append(Content.assemble(
            "No SPDX-License-Identifier in the first 15 lines; the licence notice (", _span(notice), ") grants ",
            notice_licence(notice.expression, palette), ": the file's effective licence. The COPYING default "
            "does not apply.",
        ))
        expression = notice.expression
    elif state.status == UNTAGGED or expression is None:
        default = catalog.copying_default if catalog is not None else None
        where = catalog.copying_path if catalog is not None and catalog.copying_path else "COPYING"
        if default:
            parts.append(Content.assemble(
                "No SPDX-License-Identifier in the first 15 lines, so the default of the top-level ",
                _plain(where), " applies: ", _plain(default, palette.license_colour(default)),
            ))
            expression = default
        else:
            parts.append(Content("No SPDX-License-Identifier in the first 15 lines, and the tree has no COPYING "
                                 "default that would apply."))
            return _lines(parts)
    if state.status == INVALID and index is not None and state.expression is not None:
        verdict = index.ctx.verdict(state.expression)
        parts.append(Content.assemble(("✗ ", palette.status["invalid"]), _plain(verdict.error or "invalid")))
        parts.append(Content.assemble("  ", _plain(state.expression)))
        if verdict.column is not None:
            width = max(1, len(verdict.token or " "))
            parts.append(Content.styled("  " + " " * len(printable(state.expression[: verdict.column]))
                                        + "^" * min(width, 60), palette.status["invalid"]))
    if index is None:
        parts.append(Content.styled("LICENSES/ entries appear when indexing is done.", MUTED))
        return _lines(parts)
    parts.append(Content(""))
    parts.extend(_structure(expression, catalog, palette))
    seen: set[str] = set()
    for _depth, kind, text in structure_lines(expression):
        if kind not in ("id", "exception") or catalog is None:
            continue
        entry = catalog.exception(text) if kind == "exception" else catalog.license(text)
        if entry is None or entry.path in seen:
            continue
        seen.add(entry.path)
        parts.append(Content(""))
        parts.extend(_entry(text, entry, palette))
    return _lines(parts)


def _reuse_origin(origin: Origin, palette: Palette) -> list[Content]:
    """A REUSE file's licensing, part by part: each expression with where it is written, then its copyrights."""
    rows: list[Content] = []
    for expression, source, where in origin.expressions:
        rows.append(Content.assemble(("  ", MUTED), _plain(expression, palette.license_colour(expression)),
                                     ("  " + SOURCE_WORDS.get(source, source).removeprefix("from ") + f" ({where})",
                                      MUTED)))
    if not origin.expressions:
        rows.append(Content("No licensing information in the file, a .license sidecar, REUSE.toml or dep5."))
    for notice in origin.copyrights:
        rows.append(Content.assemble(("© ", LABEL), _plain(notice)))
    if not origin.copyrights:
        rows.append(Content.styled("No copyright notice.", palette.status["invalid"]))
    return rows


def _structure(expression: str, catalog: Catalog | None, palette: Palette) -> list[Content]:
    """The expression as a small tree: AND / OR / WITH, each id with its class."""
    lines = structure_lines(expression)
    if not lines:
        return [Content.assemble(("Expression  ", LABEL), _plain(expression))]
    out: list[Content] = []
    open_levels: list[bool] = []
    for i, (depth, kind, text) in enumerate(lines):
        last = all(d != depth for d, _k, _t in _until_shallower(lines, i + 1, depth))
        guide = "".join("│  " if more else "   " for more in open_levels[1:depth]) if depth else ""
        if depth:
            guide += "└─ " if last else "├─ "
        del open_levels[depth:]
        open_levels.append(not last)
        if kind == "op":
            out.append(Content.assemble((guide, MUTED), (text, "bold")))
            continue
        entry = None
        if catalog is not None:
            entry = catalog.exception(text) if kind == "exception" else catalog.license(text)
        colour = palette.license_colour(text) if kind == "id" else LABEL
        note: tuple[str, str]
        if entry is None:
            note = ("  not in LICENSES/", palette.status["invalid"])
        else:
            note = (f"  {entry.license_class}", MUTED)
        out.append(Content.assemble((guide, MUTED), _plain(text, colour), note))
    return out


def _until_shallower(lines: list[tuple[int, str, str]], start: int, depth: int) -> list[tuple[int, str, str]]:
    out = []
    for line in lines[start:]:
        if line[0] < depth:
            break
        out.append(line)
    return out


def _entry(text: str, entry: LicenseEntry, palette: Palette) -> list[Content]:
    """One LICENSES/ entry: class, file, aliases, SPDX-URL, Usage-Guide, and for an exception its licenses."""
    colour = palette.license_colour(entry.name) if not entry.is_exception else LABEL
    out = [Content.assemble(
        _plain(entry.name, f"bold {colour}"), "  ", (entry.license_class, MUTED), "  ", _plain(entry.path, MUTED),
    )]
    if len(entry.ids) > 1:
        out.append(Content.assemble(("  aliases      ", LABEL), _plain(", ".join(entry.ids))))
    if entry.url:
        out.append(Content.assemble(("  SPDX-URL     ", LABEL), _plain(entry.url)))
    if entry.is_exception:
        follows = ", ".join(entry.exception_licenses) or "(none listed)"
        out.append(Content.assemble(("  may follow   ", LABEL), _plain(follows)))
    if entry.usage_guide:
        out.append(Content.styled(f"  {entry.usage_tag or 'Usage-Guide'}", LABEL))
        out.extend(Content.assemble("    ", _plain(line, MUTED)) for line in entry.usage_guide.splitlines())
    return out


def _copying(data: TreeData, path: str, state: FileState | None) -> Content:
    index = data.index
    assert index is not None
    files = applicable(index.root, path, data.license_files(), index.catalog)
    if not files:
        return Content.styled("The tree has no COPYING file.", MUTED)
    out: list[Content] = []
    for license_file in files:
        if license_file.top_level:
            what = "top level: the default for files without a tag"
            if state is not None and state.status == UNTAGGED:
                what = "top level: applies to this file, which has no tag"
        else:
            what = f"nearer, in {license_file.directory or '.'}/"
        out.extend(_license_file(license_file, what))
    return _lines(out)


def _license_file(license_file: LicenseFile, what: str) -> list[Content]:
    """A COPYING/LICENSE file's name with *what* it is here, then its SPDX tag or the first words of it."""
    out = [Content.assemble(_plain(license_file.path, "bold"), ("  " + what, MUTED))]
    if license_file.expression:
        out.append(Content.assemble(("  SPDX  ", LABEL), _plain(license_file.expression)))
    elif license_file.excerpt:
        out.append(Content.assemble(("  “", MUTED), _plain(license_file.excerpt, "italic"), ("”", MUTED)))
    return out


def _head_title(path: str, head: Head) -> str:
    name = path.rpartition("/")[2]
    if head.error or head.binary or not head.lines:
        return "Head"
    language = language_for(name)
    first, last = min(head.lines), max(head.lines)
    suffix = "" if language == "text" else f" · {language}"
    return f"Head · lines {first}–{last}{' …' if head.more else ''}{suffix}"


def head_content(path: str, head: Head, state: FileState | None) -> Content:
    """The file's first lines with line numbers, syntax-highlighted, the SPDX line (▶), finding lines (!) and
    the lines of the licence notice (¶) marked."""
    if head.error:
        return _plain(head.error, MUTED)
    if head.binary:
        return Content.styled("Binary file: not shown.", MUTED)
    if not head.lines:
        return Content.styled("Empty file.", MUTED)
    tag_line = state.line if state is not None and state.expression is not None else 0
    finding_lines = {f.line for f in state.findings if f.line} if state is not None else set()
    notice = state.notice if state is not None else None
    notice_lines = range(notice.line, notice.end_line + 1) if notice is not None else range(0)
    language = language_for(path.rpartition("/")[2])
    numbers = sorted(head.lines)
    width = len(str(numbers[-1]))
    out: list[Content] = []
    block: list[int] = []

    def flush() -> None:
        if not block:
            return
        code = "\n".join(head.lines[n] for n in block)
        from textual.highlight import highlight  # pygments: imported with the first file shown, not at launch

        highlighted = highlight(code, language=language) if language != "text" else Content(code)
        pieces = highlighted.split("\n", allow_blank=True)
        pieces += [Content("")] * (len(block) - len(pieces))
        for number, piece in zip(block, pieces):
            if number == tag_line:
                marker, style = "▶", "bold $text-success"
                piece = piece.stylize_before("on $success 15%")
            elif number in finding_lines:
                marker, style = "!", "bold $text-warning"
                piece = piece.stylize_before("on $warning 15%")
            elif number in notice_lines:
                marker, style = NOTICE_MARK, NOTICE_LINE
                piece = piece.stylize_before(NOTICE_BACKGROUND)
            else:
                marker, style = " ", MUTED
            out.append(Content.assemble((f"{marker}{number:>{width}} ", style), ("│ ", MUTED), piece))
        block.clear()

    previous = 0
    for number in numbers:
        if previous and number != previous + 1:
            flush()
            out.append(Content.styled(f" {'⋮':>{width}}", MUTED))
        block.append(number)
        previous = number
    flush()
    if head.more:
        out.append(Content.styled(f" {'⋮':>{width}}", MUTED))
    return _lines(out)


# Directories ---------------------------------------------------------------------------------


def describe_directory(data: TreeData, palette: Palette, directory: str, root_name: str) -> list[Section]:
    """The sections for a directory: its counts per status and per license, and its COPYING files."""
    shown = printable(f"{directory}/" if directory else f"{root_name}/")
    stats = data.directory(directory)
    if stats is None:
        # No running count here: the pane is made once, and would show a number the status line has left behind.
        note = "indexing… its counts are shown once every file is read (progress: the top line)"
        return [Section("title", "", _lines([Content.styled(shown, "bold"), Content.styled(note, MUTED)]))]
    sections = [
        Section("title", "", _lines([Content.styled(shown, "bold"), _dir_summary(stats, palette)])),
        Section("status", "Files by status", _dir_statuses(stats, palette)),
        Section("sources", "Where each file's licence comes from", _dir_sources(stats, palette)),
        Section("license", "Files by license (tag, or ¶ notice of an untagged file)", _dir_licenses(stats, palette)),
    ]
    index = data.index
    if index is not None:
        files = applicable(index.root, directory, data.license_files(), index.catalog)
        if files:
            sections.append(Section("copying", "COPYING", _copying_dir(files)))
    return sections


def _dir_summary(stats: DirStats, palette: Palette) -> Content:
    parts: list[Content | tuple[str, str] | str] = [(f"{stats.files:,} files", "")]
    if stats.problems:
        parts += ["  ", (f"✗ {stats.problems:,} with problems", palette.status["invalid"])]
    if stats.findings:
        parts += ["  ", (f"! {stats.findings:,} with findings", palette.status["findings"])]
    if not stats.problems and not stats.findings:
        parts += ["  ", ("✓ no findings", palette.status["valid"])]
    return Content.assemble(*parts)


def _dir_statuses(stats: DirStats, palette: Palette) -> Content:
    glyphs = {"valid": "✓", "untagged": "○", "invalid": "✗", "unreadable": "?", "excluded": "–"}
    rows = []
    for status in STATUSES:
        count = stats.statuses.get(status, 0)
        if count <= 0:
            continue
        share = 100 * count / stats.files if stats.files else 0
        rows.append(Content.assemble(
            (f"{glyphs[status]} ", palette.status[status]), (f"{status:<11}", ""),
            (f"{count:>8,}", ""), (f"  {share:5.1f}%", MUTED),
        ))
    return _lines(rows) if rows else Content.styled("No files.", MUTED)


def _dir_sources(stats: DirStats, palette: Palette) -> Content:
    """Files whose effective licence is their tag's, their notice's, the COPYING default (the rest: none)."""
    rows = []
    for source, label, style in (("tag", "SPDX tag", ""), ("notice", f"{NOTICE_MARK} notice, no tag", "italic"),
                                 ("copying", "COPYING default", palette.status["untagged"])):
        count = stats.sources.get(source, 0)
        if count <= 0:
            continue
        share = 100 * count / stats.files if stats.files else 0
        rows.append(Content.assemble((f"{label:<17}", style), (f"{count:>8,}", ""), (f"  {share:5.1f}%", MUTED)))
    return _lines(rows) if rows else Content.styled("No file here has a licence (all excluded or unreadable).", MUTED)


def _dir_licenses(stats: DirStats, palette: Palette) -> Content:
    ranked = stats.ranked()
    if not ranked:
        return Content.styled("No file here has a valid SPDX tag or a notice that grants a licence.", MUTED)
    valid = sum(n for _e, n in ranked)
    rows = []
    for expression, count in ranked[:TOP_LICENSES]:
        share = 100 * count / valid
        bar = "█" * max(1, round(share / 10))
        colour = palette.license_colour(expression)
        noticed = stats.noticed.get(expression, 0)
        note: list[tuple[str, str] | Content] = []
        if noticed > 0:
            note = [("  ", ""), (f"{NOTICE_MARK} {noticed:,} from notices" if noticed < count
                                 else f"{NOTICE_MARK} all from notices", f"{colour} italic")]
        rows.append(Content.assemble(
            (f"{bar:<10} ", colour), (f"{count:>8,}", ""), (f"  {share:5.1f}%  ", MUTED),
            _plain(expression, colour), *note,
        ))
    if len(ranked) > TOP_LICENSES:
        rest = sum(n for _e, n in ranked[TOP_LICENSES:])
        rows.append(Content.styled(f"… and {len(ranked) - TOP_LICENSES} more expressions ({rest:,} files)", MUTED))
    return _lines(rows)


def _copying_dir(files: list) -> Content:
    out: list[Content] = []
    for license_file in files:
        what = "top level" if license_file.top_level else f"in {license_file.directory}/"
        out.extend(_license_file(license_file, what))
    return _lines(out)
