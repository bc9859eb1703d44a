"""The help screen (``?``): every key, what each glyph means, and the license colours of the theme.

The key list is made from the widgets' own BINDINGS, so it cannot drift from what the keys do.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.ui.rows import GLYPHS, NOTICE_MARK
from tui.ui.themes import Palette

_KEY_NAMES = {
    "up": "↑", "down": "↓", "left": "←", "right": "→", "enter": "Enter", "space": "Space",
    "home": "Home", "end": "End", "pageup": "PgUp", "pagedown": "PgDn", "asterisk": "*",
    "question_mark": "?", "slash": "/", "escape": "Esc", "tab": "Tab", "shift+tab": "Shift+Tab",
}


def key_label(keys: str) -> str:
    """"up,k" -> "↑ k"; "ctrl+b" -> "^b"."""
    labels = []
    for key in keys.split(","):
        key = key.strip()
        label = _KEY_NAMES.get(key)
        if label is None:
            label = "^" + key[5:] if key.startswith("ctrl+") else key
        labels.append(label)
    return " ".join(labels)


def binding_rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding):
            rows.append((key_label(binding.key), binding.description))
        elif isinstance(binding, tuple):
            rows.append((key_label(binding[0]), binding[2] if len(binding) > 2 else binding[1]))
    return rows


def group_lines(groups: list[tuple[str, list[tuple[str, str]]]]) -> list[Content]:
    """Groups of (keys, description) rows under their titles, as help lines."""
    out: list[Content] = []
    for title, rows in groups:
        out.append(Content.styled(title, "bold $text-accent"))
        width = max((len(keys) for keys, _ in rows), default=0)
        out.extend(Content.assemble((f"  {keys:<{width}}  ", "bold $text-primary"), description)
                   for keys, description in rows)
        out.append(Content(""))
    return out


def help_content(groups: list[tuple[str, list[tuple[str, str]]]], palette: Palette) -> Content:
    """The help text: key groups, the glyph legend and the license palette."""
    out = group_lines(groups)
    out.append(Content.styled("Glyphs (colour is never the only signal)", "bold $text-accent"))
    for glyph in GLYPHS:
        out.append(Content.assemble(("  " + glyph.char + "  ", palette.status[glyph.key]), glyph.meaning))
    out.append(Content.assemble((f"  {NOTICE_MARK}  ", "bold italic"), ("MIT", "italic"),
                                "  (in italics) no tag: the licence the file's notice (the licence text"))
    out.append(Content("       of its leading comment) grants; never a tag. Filter: source:notice"))
    out.append(Content.assemble(("  ▸ ▾", "bold"), "  a closed / open directory; to its right: its main license,"))
    out.append(Content("       a bar of its licenses and statuses, and ✗ n files with problems"))
    out.append(Content("       (or ! n files with findings, or ✓ when there are none); ¶ before its"))
    out.append(Content("       license: most files with it have it from a notice, ▒ in the bar"))
    out.append(Content(""))
    out.append(Content.styled("License colours of this theme", "bold $text-accent"))
    for license_id, colour in sorted(palette.licenses.items()):
        out.append(Content.assemble(("  ██ ", colour), license_id))
    if palette.dual:
        out.append(Content.assemble(("  ██ ", palette.dual), "any expression with OR (a choice of licenses)"))
    if palette.other:
        out.append(Content.assemble(*(("██", c) for c in palette.other), "  other licenses"))
    return Content("\n").join(out)


class HelpScreen(ModalScreen[None]):
    """Keys, glyphs and colours; any of Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 90;
            max-width: 100%;
            height: 90%;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
            padding: 0 1;
        }
    }
    """

    def __init__(self, content: Content) -> None:
        super().__init__()
        self._content = content

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "lictree help"
            scroll.border_subtitle = "Esc / q / ? to close"
            yield Static(self._content, id="help-text", markup=False)
