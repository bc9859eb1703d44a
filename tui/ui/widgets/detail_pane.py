"""The detail pane: what lictree knows about the row under the tree's cursor."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.ui.detail import HEADING, Section

#: Section names in the order they appear.
SECTIONS = ("title", "findings", "head", "status", "license", "copying")


class DetailPane(VerticalScroll):
    """A scrollable column of sections (verdict, findings, license, COPYING, head), replaced as a whole."""

    DEFAULT_CSS = """
    DetailPane {
        background: $surface;
        padding: 0 1;
        & > Static { margin-bottom: 1; width: 1fr; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.shown_key: str | None = None
        self.shown_generation = -1

    def compose(self) -> ComposeResult:
        for name in SECTIONS:
            yield Static(id=f"detail-{name}", markup=False)

    def show(self, key: str, generation: int, sections: list[Section]) -> None:
        """Replace the pane's content; scroll to the top when it is about another row."""
        by_name = {section.name: section for section in sections}
        for name in SECTIONS:
            widget = self.query_one(f"#detail-{name}", Static)
            section = by_name.get(name)
            if section is None:
                widget.display = False
                continue
            body = section.body
            if section.title:
                body = Content("\n").join([Content.styled(section.title, HEADING), body])
            widget.update(body)
            widget.display = True
        if key != self.shown_key:
            self.scroll_home(animate=False)
        self.shown_key = key
        self.shown_generation = generation

    def text(self) -> str:
        """Everything the pane shows, as plain text (for tests and the screen reader of the future)."""
        parts = []
        for name in SECTIONS:
            widget = self.query_one(f"#detail-{name}", Static)
            if widget.display:
                content = widget.content
                parts.append(content.plain if isinstance(content, Content) else str(content))
        return "\n".join(parts)
