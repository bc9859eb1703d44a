"""The summary view (``s``): what the files shown contain, counted by ``tui.core.counting.summarize``.

Files per status, where their licence comes from (tag, notice, COPYING default), license class, license,
licence granted by a notice, and expression (each with a bar: the license
distribution as a chart), files per rule, and the directories with the most problems. It counts
the files of the active filter; Enter on a row adds that row's term to the filter, so the tree
then shows exactly the files the row counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from tui.core.catalog import CLASSES
from tui.core.counting import summarize
from tui.core.index import LicenseIndex
from tui.core.query import spellings, term
from tui.core.report import printable
from tui.core.reuse.detect import kind_name
from tui.core.rules import RULES
from tui.core.status import Status
from tui.ui.rows import NOTICE_MARK, STATUS_GLYPHS
from tui.ui.themes import Palette

_EIGHTHS = " ▏▎▍▌▋▊▉"
#: Count and share columns: "  86,679  100.0%".
_NUMBERS = 17


def bar_text(value: int, maximum: int, cells: int) -> str:
    """A horizontal bar of *value* out of *maximum* in *cells*, to an eighth of a cell."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value * cells * 8 / maximum))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


@dataclass(frozen=True)
class Row:
    """One line of the summary: its label, count, colour, and the filter term that selects its files."""

    label: str
    count: int
    colour: str
    filter: str
    note: str = ""
    #: What the share and the bar are of (None: every file summarised).
    total: int | None = None


def summary_sections(summary: dict, palette: Palette) -> list[tuple[str, list[Row]]]:
    """The summary as titled sections of rows (the order and terms of the view).

    Classes and licenses count each file's effective licence (its tag's, else its notice's, else the
    COPYING default: ``summarize``), which is what ``license:`` and ``class:`` match; an invalid tag
    counts in neither, hence ``-status:invalid`` in their terms. Licences from notices have their own
    section, marked ¶ as in the tree.
    """
    valid = " " + term("status", "valid")  # expression counts are of valid tags
    effective = " " + term("status", "invalid", negated=True)  # licence/class counts: effective, invalid tags aside
    sections: list[tuple[str, list[Row]]] = []
    sections.append(("Files by status", [
        Row(f"{STATUS_GLYPHS[status].char} {status.word}", n, palette.status[STATUS_GLYPHS[status].key],
            term("status", status.word))
        for status in Status if (n := summary["statuses"].get(status.word))
    ]))
    sources = summary.get("sources", {})
    sections.append(("Where each file's licence comes from (its effective licence)", [
        Row(label, n, colour, term("source", source), note=note)
        for source, label, colour, note in (
            ("tag", "SPDX tag", "$text", "valid or not"),
            ("notice", f"{NOTICE_MARK} licence notice, no tag", "$text italic", "its leading comment grants it"),
            ("copying", "COPYING default", palette.status["untagged"], "no tag, no notice"),
        ) if (n := sources.get(source))
    ]))
    sections.append(("Files by license class (effective licence: tag, ¶ notice or COPYING default)", [
        Row(c, summary["classes"][c], "$text", term("class", c) + effective)
        for c in CLASSES if summary["classes"].get(c)
    ]))
    spellings_of = summary.get("license_spellings", {})
    sections.append(("Files by license, as LICENSES/ defines it (effective licence; A OR B counts for both)", [
        Row(name, n, palette.license_colour(name), term("license", name) + effective,
            note=_spelled(spellings_of.get(name, {}), name))
        for name, n in summary["licenses"].items()
    ]))
    sections.append((f"Licences granted by notices of untagged files ({NOTICE_MARK}: not tags)", [
        Row(f"{NOTICE_MARK} {expression}", n, f"{palette.license_colour(expression)} italic",
            term("expr", expression) + " " + term("source", "notice"), note=_also(others))
        for expression, n, others in spellings(summary.get("notice_expressions", {}))
    ]))
    sections.append(("Valid tags by expression (case and blanks aside)", [
        Row(expression, n, palette.license_colour(expression), term("expr", expression) + valid,
            note=_also(others))
        for expression, n, others in spellings(summary["expressions"])
    ]))
    sections.append(("Invalid tags", [
        Row(expression, n, palette.status["invalid"], term("expr", expression) + " " + term("status", "invalid"),
            note=_also(others))
        for expression, n, others in spellings(summary["invalid_expressions"])
    ]))
    rules = []
    for rule_id, files in summary["rule_files"].items():
        rule = RULES.get(rule_id)
        severity = rule.severity if rule is not None else "warning"
        colour = palette.status["invalid" if severity == "error" else "findings"]
        name = f"{rule_id} {rule.name}" if rule is not None else rule_id
        found = summary["rules"].get(rule_id, files)
        rules.append(Row(name, files, colour, term("rule", rule_id),
                         note=f"{severity}, {found:,} finding{'s' if found != 1 else ''}"))
    sections.append(("Files by rule", rules))
    sections.append(("Directories with the most problems (files directly in each; share and bar of its files)", [
        Row((d["path"] or "(top level)") + "/", d["problems"] or d["with_findings"],
            palette.status["invalid"] if d["problems"] else palette.status["findings"], term("path", d["path"] or "/"),
            note=(f"problems, {d['with_findings']:,} with findings" if d["problems"] else "with findings")
            + f" of {d['files']:,} files", total=d["files"])
        for d in summary["directories"]
    ]))
    return [(title, rows) for title, rows in sections if rows]


def _spelled(spellings: dict[str, int], name: str) -> str:
    """The spellings a license row counts, when they are not just its name: "GPL-2.0 24,720, GPL-2.0-only …"."""
    if list(spellings) in ([], [name]):
        return ""
    return ", ".join(f"{printable(s)} {n:,}" for s, n in spellings.items())


def _also(others: list[str]) -> str:
    if not others:
        return ""
    shown = ", ".join(printable(o) for o in others[:2])
    return f"also {shown}" + (f" and {len(others) - 2} more" if len(others) > 2 else "")


def row_content(row: Row, total: int, label_cells: int, bar_cells: int) -> Content:
    """One row as it is drawn: label (and note), count, share of the files, and a bar of that share."""
    label = printable(row.label)
    if cell_len(label) > label_cells:
        label = set_cell_size(label, max(1, label_cells - 1)) + "…"
    note = f"  {row.note}" if row.note else ""
    room = label_cells - cell_len(label)  # the label first; the note gets what is left
    if cell_len(note) > room:
        note = set_cell_size(note, max(0, room - 1)) + "…" if room > 3 else ""
    room = label_cells - cell_len(note)
    total = row.total if row.total is not None else total
    share = f"{row.count * 100 / total:5.1f}%" if total else ""
    colour = row.colour if row.colour != "$text" else ""
    return Content.assemble(
        (set_cell_size(label, max(1, room)), colour), (note, "$text-muted"),
        (f"{row.count:>9,}", "bold"), f" {share:>6}  ",
        (bar_text(row.count, total, bar_cells), colour or "$text-primary"),
    )


def column_widths(sections: list[tuple[str, list[Row]]], width: int) -> tuple[int, int]:
    """(label cells, bar cells) for rows *width* wide: labels as wide as the widest (within reason)."""
    widest = max((cell_len(printable(r.label)) + (cell_len(r.note) + 2 if r.note else 0)
                  for _title, rows in sections for r in rows), default=8)
    label_cells = max(12, min(widest, width - _NUMBERS - 2 - 10, max(40, width // 2)))
    return label_cells, max(8, width - label_cells - _NUMBERS - 2)


def headline(summary: dict, query: str | None) -> Content:
    files = summary["files"]
    counts = summary["findings"]
    plural = "s" if files != 1 else ""
    parts: list[tuple[str, str] | str] = [("Summary of ", "bold"), (f"{files:,} file{plural}", "bold")]
    tree = kind_name(summary.get("kind"))
    if tree:  # which kind of tree lictree read (tui.core.reuse.detect)
        parts += [f" of a {tree}"]
    if query:
        parts += [" matching ", (printable(query), "$text-accent bold")]
    findings = ", ".join(_counted(counts.get(severity, 0), word) for severity, word in
                         (("error", "error"), ("warning", "warning"), ("info", "note")))
    parts += [("  ·  findings: ", "$text-muted"), findings]
    return Content.assemble(*parts)


def _counted(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' if n != 1 else ''}"


class SummaryList(OptionList):
    """The summary's rows; Enter (shown in the footer) filters the tree by the row."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", "Filter by this row")]


class SummaryScreen(Screen[str | None]):
    """Counts of the files shown; Enter on a row returns its filter term (Esc returns None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,s,q", "close", "Back to the tree"),
    ]

    DEFAULT_CSS = """
    SummaryScreen {
        #summary-title { height: 1; padding: 0 1; background: $panel; }
        #summary-list { height: 1fr; border: none; padding: 0 1; background: $surface; }
        #summary-list:focus { border: none; }
    }
    """

    @dataclass
    class Counted(Message):
        """The counts, made in a worker."""

        summary: dict

    def __init__(self, index: LicenseIndex, positions: Sequence[int] | None, query: str | None,
                 palette: Palette) -> None:
        super().__init__()
        self.index = index
        self.positions = positions
        self.query_text = query
        self.palette = palette
        self.summary: dict | None = None
        self._filters: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("counting…", "$text-muted"), id="summary-title", markup=False)
        yield SummaryList(id="summary-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._count()

    @work(thread=True, exclusive=True, name="summary", exit_on_error=True)
    def _count(self) -> None:
        summary = summarize(self.index, self.positions)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Counted(summary))

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        self.summary = message.summary
        self.query_one("#summary-title", Static).update(headline(message.summary, self.query_text))
        self._fill()

    def on_resize(self) -> None:
        if self.summary is not None:
            self._fill()

    def _fill(self) -> None:
        summary = self.summary
        assert summary is not None
        options = self.query_one(OptionList)
        width = max(40, options.scrollable_content_region.width - 1)
        highlighted = options.highlighted
        items: list[Option | None] = []
        self._filters = {}
        sections = summary_sections(summary, self.palette)
        label_cells, bar_cells = column_widths(sections, width)
        for title, rows in sections:
            if items:
                items.append(None)
            items.append(Option(Content.styled(title, "bold $text-accent"), disabled=True))
            for row in rows:
                option_id = f"row{len(self._filters)}"
                self._filters[option_id] = row.filter
                items.append(Option(row_content(row, summary["files"], label_cells, bar_cells), id=option_id))
        if not summary["files"]:
            items.append(Option(Content.styled("No file matches the filter.", "$text-muted"), disabled=True))
        options.set_options(items)
        if highlighted is not None and highlighted < options.option_count:
            options.highlighted = highlighted
        else:
            options.action_first()

    def filter_of(self, option_id: str | None) -> str | None:
        return self._filters.get(option_id or "")

    @on(OptionList.OptionSelected, "#summary-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.filter_of(event.option_id))

    def action_close(self) -> None:
        self.dismiss(None)


