"""The detail pane: what lictree knows about the row under the tree's cursor.

A line-API ``ScrollView`` like the tree: the sections are wrapped into strips once per update and
per width, and ``render_line`` hands them out, so replacing the pane's content redraws this pane
only, without a layout pass over the whole screen.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from tui.ui.detail import HEADING, Section

#: Section names in the order they appear.
SECTIONS = ("title", "findings", "notice", "head", "status", "sources", "license", "copying")


def hanging(line: Content, width: int) -> Content:
    """*line* wrapped to *width* with its continuation lines indented as far as the line itself is
    (a wrapped Usage-Guide line stays in its column instead of starting again at column 0)."""
    if line.cell_length <= width:
        return line
    plain = line.plain
    indent = len(plain) - len(plain.lstrip(" "))
    if not indent or indent >= width // 2:
        return line
    pieces = line[indent:].wrap(width - indent)
    return Content("\n").join(Content.assemble(" " * indent, piece.rstrip()) for piece in pieces)


class DetailPane(ScrollView, can_focus=True):
    """A scrollable column of sections (verdict, findings, head, license, COPYING), replaced as a whole."""

    #: Tab goes back to the tree, even when the filter bar is open (the app decides where focus goes).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab,shift+tab", "app.switch_pane", "Tree ⇄ detail pane", show=False),
    ]

    DEFAULT_CSS = """
    DetailPane {
        background: $surface;
        padding: 0 1;
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.shown_key: str | None = None
        self.shown_generation = -1
        self._sections: list[Section] = []
        self._strips: list[Strip] | None = None
        self._strips_width = -1

    def show(self, key: str, generation: int, sections: list[Section]) -> None:
        """Replace the pane's content; scroll to the top when it is about another row."""
        order = {name: i for i, name in enumerate(SECTIONS)}
        self._sections = sorted(sections, key=lambda s: order.get(s.name, len(order)))
        self._strips = None
        if key != self.shown_key:
            self.scroll_to(y=0, animate=False)
        self.shown_key = key
        self.shown_generation = generation
        self._wrap()
        self.refresh()

    def text(self) -> str:
        """Everything the pane shows, as plain text, section after section."""
        parts = []
        for section in self._sections:
            if section.title:
                parts.append(section.title)
            parts.append(section.body.plain)
        return "\n".join(parts)

    def _wrap(self) -> list[Strip]:
        width = self.scrollable_content_region.width
        if self._strips is None or width != self._strips_width:
            self._strips = self._render_sections(width) if width > 0 else []
            self._strips_width = width
            size = Size(width, len(self._strips))
            if size != self.virtual_size:
                self.virtual_size = size
        return self._strips

    def _render_sections(self, width: int) -> list[Strip]:
        """Wrap every section to *width*, except code, whose lines are cut with "…" rather than wrapped."""
        style = self.visual_style
        strips: list[Strip] = []
        for n, section in enumerate(self._sections):
            if n:
                strips.append(Strip.blank(width, self.rich_style))
            body = section.body
            if section.name == "head":
                body = Content("\n").join(line.truncate(width, ellipsis=True) for line in body.split("\n"))
            else:
                body = Content("\n").join(hanging(line, width) for line in body.split("\n"))
            if section.title:
                body = Content("\n").join([Content.styled(section.title, HEADING), body])
            strips.extend(Visual.to_strips(self, body, width, None, style, pad=True))
        return strips

    def render_line(self, y: int) -> Strip:
        strips = self._wrap()
        index = self.scroll_offset.y + y
        if 0 <= index < len(strips):
            return strips[index]
        return Strip.blank(self.scrollable_content_region.width, self.rich_style)

    def _on_resize(self, event: events.Resize) -> None:
        self._strips = None
        self._wrap()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None
