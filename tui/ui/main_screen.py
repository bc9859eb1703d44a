"""lictree's main screen: the status line, the tree and detail panes side by side, the filter bar and
the footer. The app (``tui.ui.app.LictreeApp``) drives it: indexing, the watcher, themes and actions;
the summary, export, help and theme screens are pushed over it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.ui.data import TreeData
from tui.ui.themes import Palette
from tui.ui.widgets.detail_pane import DetailPane
from tui.ui.widgets.filter_bar import FilterBar
from tui.ui.widgets.license_tree import LicenseTree


class MainScreen(Screen):
    """The tree of one source tree with the detail of the row under the cursor."""

    def __init__(self, data: TreeData, palette: Palette, root_name: str, paths: Sequence[str] | None,
                 completions: Callable[[str], list[str]]) -> None:
        super().__init__(id="main")
        self._data = data
        self._palette = palette
        self._root_name = root_name
        self._paths = paths
        self._completions = completions
        #: Files listed before Textual started, shown on the first frame (0: none).
        self.listed = 0

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("listing files…", "$text-muted"), id="summary", markup=False)
        with Horizontal(id="panes"):
            tree = LicenseTree(self._data, self._palette, self._root_name, id="tree")
            if self._paths:
                tree.model.set_paths(self._paths)  # listed before Textual started: rows on the first frame
                self.listed = len(self._paths)
                self._paths = None  # the index brings its own list; do not keep two
            yield tree
            yield DetailPane(id="detail")
        yield FilterBar(self._completions, id="filter")
        yield Footer()

    @property
    def tree(self) -> LicenseTree:
        return self.query_one(LicenseTree)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    def set_status(self, content: Content) -> None:
        """The status line: counts, or progress while indexing."""
        self.query_one("#summary", Static).update(content)

    def show_detail_pane(self, shown: bool) -> None:
        self.detail.display = shown
        self.query_one("#panes").set_class(not shown, "-no-detail")
