"""The filter bar (``/``): one line to type a query, the count of matching files, and a line for
completions or the reason a query cannot be read.

The bar only edits text and shows what it is told: the app matches (``tui.core.query``) and
narrows the tree. Tab completes the word being typed from ``tui.core.query.complete`` (keys,
license ids of the tree's LICENSES/, classes, statuses, rule ids, directories, extensions) and
cycles through the choices when pressed again; → accepts the grey suggestion as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.highlighter import Highlighter
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.core.query import QueryError, replace_last_word
from tui.core.report import printable
from tui.ui.filtering import APPLIED, KEPT, LEFT_OUT, UNFINISHED

#: The query language, for the help screen: (term, what it matches).
QUERY_HELP: list[tuple[str, str]] = [
    ("license:MIT", "the file's licence names MIT, on any side: GPL-2.0 OR MIT"),
    ("", "matches; its licence is its tag's, else its notice's (¶),"),
    ("", "else the COPYING default (aliases count: license:GPL-2.0"),
    ("", "finds GPL-2.0-only too)"),
    ("license:=GPL-2.0+", "exactly that id, no aliases"),
    ("class:dual", "uses an id of that LICENSES/ class: preferred, dual,"),
    ("", "deprecated, exception, other"),
    ("status:untagged", "valid, untagged, invalid, unreadable, excluded"),
    ("source:notice", "where the licence comes from: tag, notice (¶: an"),
    ("", "untagged file's licence notice), copying (the default)"),
    ("rule:LT1", "a finding whose rule id starts with LT1 (lictree rules)"),
    ("path:drivers/net", "that directory and everything below it"),
    ("path:*/Makefile", "a glob over the whole path; * crosses /"),
    ("ext:h", "file names ending in .h"),
    ('expr:"GPL-2.0 OR MIT"', "exactly that expression"),
    ("usb", "free text: the path contains usb (any case)"),
    ("-status:valid", "a leading - negates a term"),
    ("status:invalid,unreadable", "commas give alternatives"),
    ('"two words"', "quotes keep blanks, commas and colons in a value"),
    ("a b", "blanks separate terms: a file must match them all"),
]

_KEY_RE = re.compile(r"(?:^|(?<=\s))(-?)([A-Za-z]+:=?)")


class QueryHighlighter(Highlighter):
    """Keys in bold colour, and the character where the query cannot be read marked."""

    def __init__(self) -> None:
        self.key_style = Style(bold=True)
        self.error_style = Style(reverse=True)
        self.error_offset: int | None = None

    def highlight(self, text: Text) -> None:
        for match in _KEY_RE.finditer(text.plain):
            text.stylize(self.key_style, match.start(2), match.end(2))
            if match.group(1):
                text.stylize(self.key_style, match.start(1), match.end(1))
        offset = self.error_offset
        if offset is not None and 0 <= offset < len(text.plain):
            text.stylize(self.error_style, offset, offset + 1)


class QuerySuggester(Suggester):
    """The first completion of the word being typed, as grey text after the cursor (→ takes it)."""

    def __init__(self, completions: Callable[[str], list[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.completions = completions

    async def get_suggestion(self, value: str) -> str | None:
        word = _last_word(value)
        for candidate in self.completions(value):
            if len(candidate) > len(word) and candidate.lower().startswith(word.lower()):
                return replace_last_word(value, candidate)
        return None


def _last_word(text: str) -> str:
    return text[len(replace_last_word(text, "")):]


class FilterBar(Widget):
    """A query line with the number of matching files; Enter keeps the filter, Esc clears it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter"),
        Binding("tab", "complete(1)", "Complete"),
        Binding("shift+tab", "complete(-1)", "Previous completion", show=False),
    ]

    DEFAULT_CSS = """
    FilterBar {
        height: 2;
        background: $panel;
        display: none;
        &.-shown { display: block; }
        #filter-line { height: 1; }
        #filter-prompt { width: 2; color: $text-accent; text-style: bold; padding-left: 1; }
        #filter-input { width: 1fr; background: $panel; }
        #filter-input:focus { background: $surface; }
        #filter-count { width: 32; padding: 0 1; color: $text-muted; text-align: right; }
        #filter-hint { height: 1; padding: 0 1; color: $text-muted; }
    }
    """

    @dataclass
    class _BarMessage(Message):
        """A message from the bar (its ``control``, for ``@on`` selectors)."""

        bar: FilterBar

        @property
        def control(self) -> FilterBar:
            return self.bar

    @dataclass
    class Changed(_BarMessage):
        """The query text changed (as typed: the app parses and matches it)."""

        text: str

    @dataclass
    class Submitted(_BarMessage):
        """Enter: keep the filter and go back to the tree."""

        text: str

    @dataclass
    class Cleared(_BarMessage):
        """Esc: drop the filter and close the bar."""

    def __init__(self, completions: Callable[[str], list[str]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.completions_of = completions
        self.highlighter = QueryHighlighter()
        #: (text before the first Tab, its completions, the one now in the text) while Tab cycles.
        self._cycle: tuple[str, list[str], int] | None = None
        self._count: Content = Content("")
        self._error: QueryError | None = None
        self._state = APPLIED

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-line"):
            yield Static("/", id="filter-prompt", markup=False)
            yield Input(
                id="filter-input", compact=True, highlighter=self.highlighter,
                suggester=QuerySuggester(self.completions),
                placeholder="license:MIT status:invalid path:drivers … (Tab completes, Enter keeps, Esc clears)",
            )
            yield Static("", id="filter-count", markup=False)
        yield Static("", id="filter-hint", markup=False)

    def on_mount(self) -> None:
        self._theme_changed()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._theme_changed())

    def _theme_changed(self) -> None:
        theme = self.app.current_theme
        self.highlighter.key_style = Style(bold=True, color=theme.accent or theme.primary)
        self.highlighter.error_style = Style(reverse=True, color=theme.error or "red")
        self.input.refresh()

    # Public API ------------------------------------------------------------------------------

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    @property
    def text(self) -> str:
        return self.input.value

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    def open(self, text: str | None = None) -> None:
        """Show the bar and focus its input (with *text*, when given)."""
        self.add_class("-shown")
        if text is not None and text != self.input.value:
            self.input.value = text
        self.input.cursor_position = len(self.input.value)
        self.input.focus()

    def close(self) -> None:
        self.remove_class("-shown")

    def set_text(self, text: str) -> None:
        """Replace the query (e.g. from a summary row); the app is told as if it had been typed."""
        self.add_class("-shown")
        self.input.value = text
        self.input.cursor_position = len(text)

    def show_count(self, count: int | None, total: int) -> None:
        """The files the tree shows (None: no filter, or no index yet with *total* 0)."""
        if count is None:
            self._count = Content.styled("all files" if total else "waiting for the index…", "$text-muted")
        elif count == 0:
            self._count = Content.styled("no file matches", "$text-warning")
        else:
            self._count = Content.assemble((f"{count:,}", "bold"), f" of {total:,} files")
        if total and self._state == KEPT:
            self._count = Content.assemble(("still ", "$text-muted"), self._count)
        self.query_one("#filter-count", Static).update(self._count, layout=False)

    def show_state(self, state: str, error: QueryError | None) -> None:
        """How the tree took the query (``tui.ui.filtering.APPLIED`` ...) and why it cannot be read.

        An unfinished last word (``status:u``, ``license:``) shows its completions, not an error.
        """
        self._state = state
        self._error = None if state in (APPLIED, UNFINISHED) else error
        self.highlighter.error_offset = self._error.offset if self._error is not None else None
        self.input.set_class(self._error is not None, "-invalid")
        self.input.refresh()
        self._update_hint()

    def _choices(self, text: str) -> list[str]:
        """The completions worth offering: not just the word as it is typed."""
        choices = self.completions(text)
        return [] if choices == [_last_word(text)] else choices

    # Completion ------------------------------------------------------------------------------

    def completions(self, text: str) -> list[str]:
        """Completions of the last word of *text* (none after a blank)."""
        return self.completions_of(text) if text and not text[-1].isspace() else []

    def action_complete(self, step: int) -> None:
        """Tab: put the next completion in place of the word being typed (again: the one after)."""
        field = self.input
        if not field.has_focus:
            self.screen.focus_next() if step > 0 else self.screen.focus_previous()
            return
        text = field.value
        cycle = self._cycle
        if cycle is not None and text == replace_last_word(cycle[0], cycle[1][cycle[2]]):
            base, choices, at = cycle
            at = (at + step) % len(choices)
        else:
            base, choices = text, self.completions(text)
            word = _last_word(text)
            if not choices or choices == [word]:
                self.app.bell()
                return
            at = 0 if step > 0 else len(choices) - 1
            if choices[at] == word and len(choices) > 1:
                at = (at + step) % len(choices)
        self._cycle = (base, choices, at)
        field.value = replace_last_word(base, choices[at])
        field.cursor_position = len(field.value)

    # Events ----------------------------------------------------------------------------------

    @on(Input.Changed, "#filter-input")
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._update_hint()
        self.post_message(self.Changed(self, event.value))

    @on(Input.Submitted, "#filter-input")
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(self, event.value))

    def action_clear(self) -> None:
        self.post_message(self.Cleared(self))

    def on_descendant_focus(self) -> None:
        self._update_hint()

    def on_descendant_blur(self) -> None:
        self._update_hint()

    def _update_hint(self) -> None:
        hint = self.query_one("#filter-hint", Static)
        error = self._error
        if error is not None:
            effect = "left out until it reads" if self._state == LEFT_OUT else "the tree keeps the last filter"
            hint.update(Content.assemble(("✗ ", "$text-error bold"), (printable(error.message), "$text-error"),
                                         (f"  (column {error.column}; {effect})", "$text-muted")), layout=False)
            return
        if not self.input.has_focus:
            hint.update(Content.assemble(("/", "$text-accent bold"), " edit the filter  ",
                                         ("Esc", "$text-accent bold"), " clear it  ",
                                         ("n N", "$text-accent bold"), " next / previous problem in it  ",
                                         ("s", "$text-accent bold"), " its summary  ",
                                         ("x", "$text-accent bold"), " export it"), layout=False)
            return
        text = self.input.value
        choices = self._choices(text)
        current = None
        cycle = self._cycle
        if cycle is not None and text == replace_last_word(cycle[0], cycle[1][cycle[2]]):
            choices, current = cycle[1], cycle[2]
        if choices:
            parts: list[tuple[str, str] | str] = [("Tab ", "$text-accent bold")]
            width = max(20, self.size.width - 20)
            used = 0
            for i, choice in enumerate(choices):
                label = printable(choice)
                if used + len(label) + 2 > width:
                    parts.append((f"… {len(choices) - i} more", "$text-muted"))
                    break
                parts.append((label, "reverse" if i == current else "$foreground"))
                parts.append("  ")
                used += len(label) + 2
            hint.update(Content.assemble(*parts), layout=False)
            return
        hint.update(Content.assemble(("Enter", "$text-accent bold"), " keep the filter and go to the tree  ",
                                     ("Esc", "$text-accent bold"), " clear it  ",
                                     ("Tab", "$text-accent bold"), " complete  ",
                                     ("?", "$text-accent bold"), " the query language (from the tree)"), layout=False)
