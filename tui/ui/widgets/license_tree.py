"""The tree pane: every directory and file of the tree, coloured by license, drawn with the line API.

Only the rows on screen are drawn (``render_line``), each from an LRU cache of strips keyed by the
row itself, so the cost of a key press follows the screen height and not the ~87,000 files of a
kernel tree. The rows come from a ``TreeModel``; verdicts from ``TreeData``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tui.core.counting import DirStats
from tui.core.notices.notice import Notice
from tui.core.report import printable
from tui.core.status import INVALID, STATUSES, UNTAGGED, VALID, Status
from tui.ui.data import TreeData
from tui.ui.model import KEEP, TreeModel
from tui.ui.rows import DIR, GLYPH_PENDING, NOTICE_MARK, Row, ancestors, display_key, glyph_for
from tui.ui.themes import Palette

BAR_CELLS = 8
#: Seconds the cursor must rest on a row before Highlighted is posted (a held key repeats every
#: ~30 ms, so the detail pane is not rebuilt for each row passed over).
REST_DELAY = 0.12
#: A space, the bar, a space and the count of problems ("✗ 12,345").
STATS_WIDTH = 1 + BAR_CELLS + 9
_STATUS_WORDS = {s: s.word for s in (Status.UNTAGGED, Status.UNREADABLE, Status.EXCLUDED)}
#: A status code's palette key (a file not read yet has none: "pending").
_STATUS_KEY = dict(enumerate(STATUSES))
#: How a licence read from a notice is set apart from a tag's, besides NOTICE_MARK before it.
NOTICE_STYLE = Style(italic=True)
#: The bar's cells for files whose licence comes from a notice (a tag's are █).
NOTICE_CELL = "▒"


@dataclass(slots=True)
class _Styles:
    base: Style
    cursor: Style
    guides: Style
    muted: Style
    directory: Style
    name: Style
    status: dict[str, Style]


class LicenseTree(ScrollView, can_focus=True):
    """A keyboard-first tree of a source tree's files, each marked and coloured by its license verdict."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab,shift+tab", "app.switch_pane", "Tree ⇄ detail pane", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("left,h", "collapse_or_parent", "Collapse / parent", show=False),
        Binding("right,l", "expand_or_child", "Expand / child", show=False),
        Binding("enter,space", "toggle", "Open/close"),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("asterisk", "expand_subtree", "Expand below", show=False),
        Binding("e", "expand_all", "Expand all", show=False),
        Binding("c", "collapse_all", "Collapse all", show=False),
        Binding("n", "next_problem", "Next problem"),
        Binding("N", "previous_problem", "Prev problem", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "license-tree--cursor",
        "license-tree--guides",
        "license-tree--directory",
    }

    DEFAULT_CSS = """
    LicenseTree {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        & > .license-tree--cursor {
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .license-tree--guides { color: $foreground 30%; }
        & > .license-tree--directory { text-style: bold; }
        &:focus > .license-tree--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    @dataclass
    class Highlighted(Message):
        """The cursor rested on a row for ``REST_DELAY`` s (or the row under it changed).

        Not posted for every row a held key passes over: a key press only restarts a timer.
        """

        tree: LicenseTree
        row: Row

        @property
        def control(self) -> LicenseTree:
            return self.tree

    def __init__(
        self,
        data: TreeData,
        palette: Palette,
        root_name: str,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.data = data
        self.model = TreeModel()
        self.palette = palette
        self.root_name = root_name
        self.cursor = 0
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._styles: _Styles | None = None
        self._license_styles: dict[str, Style] = {}
        self._highlighted: Row | None = None
        self._rest_timer: Timer | None = None
        #: (the row the user chose before narrowing, the row narrowing put the cursor on).
        self._anchor: tuple[str, str | None] = ("", None)
        #: Set by a filter: its visible files recomputed on the current index, after files changed on disk.
        self.refilter: Callable[[], Collection[str] | None] | None = None

    # Public API ------------------------------------------------------------------------------

    @property
    def cursor_row(self) -> Row | None:
        rows = self.model.rows
        return rows[self.cursor] if 0 <= self.cursor < len(rows) else None

    def set_paths(self, paths: list[str]) -> None:
        """Show these paths (sorted), keeping what is expanded and the row under the cursor."""
        key = self.cursor_row.key if self.cursor_row else ""
        self.model.set_paths(paths)
        self._rows_changed(key)

    def set_filter(self, visible: set[str] | None) -> None:
        """Show only these file paths (None: all); the place for a filter bar to plug in."""
        key = self.cursor_row.key if self.cursor_row else ""
        self.model.set_filter(visible)
        self._rows_changed(key)

    def narrow(self, mask: bytearray | None) -> None:
        """Show only the files set in *mask* (None: all), every directory holding one open.

        Narrowed, the cursor goes back to the row the user chose before narrowing began when it
        is shown (a query being typed passes through narrower ones that hide it), else to the
        first file shown; cleared, it stays on its row, its directories opened.
        """
        row = self.cursor_row
        key = row.key if row is not None else ""
        anchor, placed = self._anchor
        if key != placed:  # the user moved since the last narrowing: the cursor's row is the anchor
            anchor = key
        self.model.narrow(mask)
        if mask is None:
            self._anchor = ("", None)
            if key and not self.model.is_dir(key):
                self.model.reveal(key)
            self._rows_changed(key)
            return
        rows = self.model.rows
        if anchor and self.model.contains(anchor):
            target = anchor
        else:
            target = rows[next((i for i, r in enumerate(rows) if r.kind != DIR), 0)].key
        self._rows_changed(target)
        self._anchor = (anchor, target)

    def files_changed(self, paths: list[str], added: Collection[str], removed: Collection[str],
                      affected: Collection[str] | None) -> None:
        """Files changed on disk (``paths`` is the new list): redraw the rows of *affected* keys (None: all).

        The cursor stays on its row (or moves to the next entry, or the nearest directory left, when
        its row is gone), the row at the top of the pane stays there, and what is expanded stays
        expanded. A filter's mask follows the new paths (less the files removed); ``refilter``, when
        set, gives the filter's files afresh (the app instead calls its ``refresh_filter`` after this).
        """
        model = self.model
        old_rows = model.rows[:]
        old_cursor, top = self.cursor, self.scroll_offset.y
        height = self.scrollable_content_region.height
        visible = self.refilter() if self.refilter is not None else KEEP
        rows_changed = model.update(paths, added, removed, visible)
        if affected is None:
            self._strips.clear()
        else:
            for key in [k for k in self._strips.keys() if k[0].key in affected]:
                self._strips.discard(key)
        if not rows_changed:
            rows = model.rows
            for y in range(top, min(top + height, len(rows))):
                if affected is None or rows[y].key in affected:
                    self.refresh_line(y)
            return
        self._update_virtual_size()
        self.cursor = self._surviving_row(old_rows, old_cursor)
        new_top = self._surviving_row(old_rows, top) if top else 0
        if self.cursor < new_top:
            new_top = self.cursor
        elif height > 0 and self.cursor >= new_top + height:
            new_top = self.cursor - height + 1
        self.scroll_to(y=new_top, animate=False, immediate=True)
        self.refresh()
        self.move_cursor(self.cursor)

    def _surviving_row(self, old_rows: list[Row], old_index: int) -> int:
        """Where the row at *old_index* of *old_rows* is now; when it is gone, the next entry of its
        directory, else the previous one, else the nearest enclosing directory still shown."""
        model = self.model
        if not 0 <= old_index < len(old_rows):
            return 0
        row = old_rows[old_index]
        index = model.row_index(row.key, row.kind == DIR)
        if index is not None:
            return index
        for step in (1, -1):
            j = old_index + step
            while 0 <= j < len(old_rows) and old_rows[j].depth >= row.depth:
                other = old_rows[j]
                if other.depth == row.depth:
                    index = model.row_index(other.key, other.kind == DIR)
                    if index is not None:
                        return index
                j += step
        for directory in reversed(list(ancestors(row.key))):
            index = model.row_index(directory, True)
            if index is not None:
                return index
        return 0

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        self._invalidate_styles()

    def data_changed(self, announce: bool = True) -> None:
        """Verdicts arrived or changed: redraw what is on screen (and say the cursor's row changed)."""
        self._strips.clear()
        self.refresh()
        if announce:
            self._highlighted = None
            self._rest_timer_restart()

    def select_path(self, key: str, center: bool = True) -> bool:
        """Reveal *key* (a file or directory), move the cursor to it; False when it is not in the tree."""
        generation = self.model.generation
        index = self.model.reveal(key)
        if index is None:
            return False
        if generation != self.model.generation:
            self._rows_changed(None)
        self.move_cursor(index, center=center)
        return True

    def move_cursor(self, index: int, center: bool = False) -> None:
        rows = self.model.rows
        if not rows:
            return
        index = max(0, min(index, len(rows) - 1))
        previous = self.cursor
        self.cursor = index
        if previous != index:
            self.refresh_line(previous)
            self.refresh_line(index)
        self._scroll_to_row(index, center)
        if rows[index] != self._highlighted:
            self._rest_timer_restart()

    def _rest_timer_restart(self) -> None:
        timer = self._rest_timer
        if timer is None:
            # One paused repeating timer, restarted on each move: cheaper than a new timer a key.
            timer = self._rest_timer = self.set_interval(REST_DELAY, self._rested, name="cursor-rest", pause=True)
        timer.reset()
        timer.resume()

    def _rested(self) -> None:
        if self._rest_timer is not None:
            self._rest_timer.pause()
        row = self.cursor_row
        if row is not None and row != self._highlighted:
            self._highlighted = row
            self.post_message(self.Highlighted(self, row))

    # Rendering -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        rows = self.model.rows
        width = self.scrollable_content_region.width
        if index >= len(rows) or width <= 0:
            return Strip.blank(width, self.rich_style)
        row = rows[index]
        cursor = index == self.cursor
        expanded = row.kind == DIR and row.key in self.model.expanded
        key = (row, cursor, expanded, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._render_row(row, cursor, expanded, width)
        return strip

    def _render_row(self, row: Row, cursor: bool, expanded: bool, width: int) -> Strip:
        styles = self._get_styles()
        base = styles.cursor if cursor else styles.base
        stats_width = STATS_WIDTH if width >= 64 else 0
        license_width = max(12, min(34, (width - stats_width) // 3)) if width >= 44 else 0
        left_width = width - stats_width - license_width - (1 if license_width else 0)
        segments: list[Segment] = []
        used = 0
        if row.guide:
            segments.append(Segment(row.guide, base + styles.guides))
            used += len(row.guide)
        if row.kind == DIR:
            stats = self.data.directory(row.key)
            name = (printable(self.root_name) if not row.key else printable(row.name)) + "/"
            segments.append(Segment("▾ " if expanded else "▸ ", base + styles.guides))
            name_style = styles.directory
            license_text, license_style = self._dir_license(stats, styles)
        else:
            state = self.data.file(row.key)
            name = printable(row.name)
            if state is None:
                glyph = GLYPH_PENDING
                license_text, license_style = "", styles.muted
            else:
                glyph = glyph_for(state.status, state.findings)
                license_text, license_style = self._file_license(state.status, state.expression, state.notice,
                                                                 styles)
            segments.append(Segment(glyph.char + " ", base + styles.status[glyph.key]))
            name_style = styles.name
        used += 2
        room = left_width - used
        name_cells = cell_len(name)
        if name_cells > room:
            name = set_cell_size(name, max(0, room - 1)) + "…" if room > 0 else ""
            name_cells = cell_len(name)
        segments.append(Segment(name, base + name_style))
        used += name_cells
        if license_width:
            segments.append(Segment(" " * (left_width - used + 1), base))
            used = left_width + 1
            room = license_width if row.kind == DIR else license_width + stats_width  # files have no bar
            if cell_len(license_text) > room:
                license_text = set_cell_size(license_text, room - 1) + "…"
            segments.append(Segment(license_text, base + license_style))
            used += cell_len(license_text)
        if stats_width and row.kind == DIR:
            segments.append(Segment(" " * (width - stats_width - used), base))
            used = width - stats_width
            stats = self.data.directory(row.key)
            segments.extend(self._dir_stats_segments(stats, base, styles))
            used += STATS_WIDTH
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(segments, width)

    def _file_license(self, status: int, expression: str | None, notice: Notice | None,
                      styles: _Styles) -> tuple[str, Style]:
        if status == VALID and expression is not None:
            return printable(expression), self._license_style(expression)
        if status == INVALID and expression is not None:
            return printable(expression), styles.status["invalid"]
        if status == UNTAGGED and notice is not None:  # the effective licence, from the notice: marked
            style = self._license_style(notice.expression) + NOTICE_STYLE
            return f"{NOTICE_MARK} {printable(notice.expression)}", style
        return _STATUS_WORDS.get(status, ""), styles.status[_STATUS_KEY.get(status, "pending")]

    def _dir_license(self, stats: DirStats | None, styles: _Styles) -> tuple[str, Style]:
        """The licence most of a directory's files grant (a tag's or a notice's: marked as a notice's when
        most of its files have it from one), or "untagged" when more are left to the COPYING default."""
        if stats is None:
            return "", styles.muted
        dominant = stats.dominant
        defaulted = stats.sources.get("copying", 0)
        if dominant is None or defaulted > stats.licenses[dominant]:
            if defaulted:
                return "untagged", styles.status["untagged"]
            return "no tags", styles.muted
        if 2 * stats.noticed.get(dominant, 0) > stats.licenses[dominant]:
            return f"{NOTICE_MARK} {printable(dominant)}", self._license_style(dominant) + NOTICE_STYLE
        return printable(dominant), self._license_style(dominant)

    def _dir_stats_segments(self, stats: DirStats | None, base: Style, styles: _Styles) -> list[Segment]:
        """A proportion bar of the directory's licenses and statuses, then its count of problems."""
        if stats is None or stats.files <= 0:
            return [Segment(" " * STATS_WIDTH, base)]
        shares: Counter[str] = Counter()
        noticed = stats.noticed
        for expression, count in stats.ranked():
            colour = self.palette.license_colour(expression)
            from_notice = noticed.get(expression, 0)
            if count > from_notice:
                shares[colour] += count - from_notice
            if from_notice > 0:
                shares["notice:" + colour] += from_notice
        # untagged: the files the COPYING default covers (those with a notice are counted by licence)
        for status, count in (("untagged", stats.sources.get("copying", 0)),
                              *((s, stats.statuses.get(s, 0)) for s in ("invalid", "unreadable", "excluded"))):
            if count > 0:
                shares["status:" + status] += count
        segments: list[Segment] = [Segment(" ", base)]
        for colour, cells in _bar_cells(shares, BAR_CELLS):
            cell = "█"
            if colour.startswith("status:"):
                style = styles.status[colour[7:]]
            elif colour.startswith("notice:"):
                style, cell = self._colour_style(colour[7:]), NOTICE_CELL
            else:
                style = self._colour_style(colour)
            segments.append(Segment(cell * cells, base + style))
        if stats.problems > 0:
            text, style = f"✗ {stats.problems:,}", styles.status["invalid"]
        elif stats.findings > 0:
            text, style = f"! {stats.findings:,}", styles.status["findings"]
        else:
            text, style = "✓", styles.status["valid"]
        segments.append(Segment(" " + text.rjust(8)[-8:], base + style))
        return segments

    def _license_style(self, expression: str) -> Style:
        style = self._license_styles.get(expression)
        if style is None:
            style = self._license_styles[expression] = self._colour_style(self.palette.license_colour(expression))
        return style

    def _colour_style(self, colour: str) -> Style:
        return Style.parse(colour)

    def _get_styles(self) -> _Styles:
        if self._styles is None:
            # Computed with the pseudo classes (focus) as they are now; focus changes clear them.
            base = self.rich_style
            self._styles = _Styles(
                base=base,
                cursor=base + self.get_component_rich_style("license-tree--cursor", partial=False),
                guides=self.get_component_rich_style("license-tree--guides", partial=True),
                muted=Style.parse(self.palette.status["excluded"]),
                directory=self.get_component_rich_style("license-tree--directory", partial=True),
                name=Style(),
                status={key: Style.parse(colour) for key, colour in self.palette.status.items()},
            )
        return self._styles

    def _invalidate_styles(self) -> None:
        self._styles = None
        self._license_styles.clear()
        self._strips.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._invalidate_styles()

    # Events ----------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._rows_changed(None)

    def _on_focus(self, event: events.Focus) -> None:
        self._invalidate_styles()

    def _on_blur(self, event: events.Blur) -> None:
        self._invalidate_styles()

    def _on_resize(self, event: events.Resize) -> None:
        self._strips.grow(event.size.height * 2)
        self._update_virtual_size()

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + self.scroll_offset.y
        rows = self.model.rows
        if not 0 <= index < len(rows):
            return
        row = rows[index]
        was_cursor = index == self.cursor
        self.move_cursor(index)
        on_arrow = len(row.guide) <= offset.x < len(row.guide) + 2
        if row.kind == DIR and (was_cursor or on_arrow or event.chain > 1):
            self.action_toggle()

    # Actions ---------------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.model.rows) - 1)

    def action_toggle(self) -> None:
        """Expand or collapse the directory under the cursor."""
        row = self.cursor_row
        if row is None or row.kind != DIR:
            return
        if row.key in self.model.expanded:
            changed = self.model.collapse(self.cursor)
        else:
            changed = self.model.expand(self.cursor)
        if changed:
            self._rows_changed(row.key)

    def action_collapse_or_parent(self) -> None:
        """Collapse the directory under the cursor, or go to the directory holding this row."""
        row = self.cursor_row
        if row is None:
            return
        if row.kind == DIR and row.key and row.key in self.model.expanded:
            self.model.collapse(self.cursor)
            self._rows_changed(row.key)
            return
        parent = self.model.parent_row(self.cursor)
        if parent is not None:
            self.move_cursor(parent)

    def action_expand_or_child(self) -> None:
        """Expand the directory under the cursor, or go to its first entry when it is open."""
        row = self.cursor_row
        if row is None or row.kind != DIR:
            return
        if row.key not in self.model.expanded:
            self.model.expand(self.cursor)
            self._rows_changed(row.key)
        elif self.cursor + 1 < len(self.model.rows) and self.model.rows[self.cursor + 1].depth > row.depth:
            self.move_cursor(self.cursor + 1)

    def action_expand_subtree(self) -> None:
        """Expand the directory under the cursor and everything below it."""
        row = self.cursor_row
        if row is not None:
            directory = row.key if row.kind == DIR else row.key.rpartition("/")[0]
            self.model.expand_all(directory)
            self._rows_changed(row.key)

    def action_expand_all(self) -> None:
        key = self.cursor_row.key if self.cursor_row else ""
        self.model.expand_all()
        self._rows_changed(key)

    def action_collapse_all(self) -> None:
        row = self.cursor_row
        self.model.collapse_all()
        # The cursor goes to the top-level entry that held it.
        key = row.key.split("/")[0] if row is not None else ""
        self._rows_changed(key)

    def action_next_problem(self) -> None:
        self._jump_problem(1)

    def action_previous_problem(self) -> None:
        self._jump_problem(-1)

    def _jump_problem(self, step: int) -> None:
        if not self.data.ready:
            self.notify("Still indexing: problems are known once it is done.", timeout=3)
            return
        problems = self.data.problems()
        model = self.model
        if model.filtered:
            problems = [item for item in problems if model.contains(item[1])]
            if not problems:
                problems = [item for item in self.data.with_findings() if model.contains(item[1])]
                if problems:
                    self.notify("No problems among the files shown: going to files with findings.", timeout=3)
        if not problems:
            self.notify("No findings among the files shown." if model.filtered else "No problems in this tree.",
                        timeout=3)
            return
        row = self.cursor_row
        here = display_key(row.key, row.kind == DIR) if row is not None else ()
        if step > 0:
            i = bisect_right(problems, (here, "\uffff"))
            target = problems[i % len(problems)][1]
        else:
            i = bisect_left(problems, (here, ""))
            target = problems[(i - 1) % len(problems)][1]
        self.select_path(target)

    # Internals -------------------------------------------------------------------------------

    def _rows_changed(self, keep_key: str | None) -> None:
        """The row list changed: put the cursor back on *keep_key* (or the nearest row) and redraw."""
        self._strips.clear()
        self._update_virtual_size()
        if keep_key is not None:
            index = self.model.row_of(keep_key, self.cursor)
            if index is None:
                index = min(self.cursor, len(self.model.rows) - 1)
            self.cursor = index
        self.cursor = max(0, min(self.cursor, len(self.model.rows) - 1))
        self.refresh()
        self.move_cursor(self.cursor)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(0, len(self.model.rows))

    def _scroll_to_row(self, index: int, center: bool) -> None:
        """Bring row *index* into view; stepping past an edge scrolls a quarter page at once (as vim's
        'scrolljump' does), so holding a cursor key redraws the whole pane a quarter as often."""
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = self.scroll_offset.y
        if top <= index < top + height:
            return
        step = max(1, height // 4)
        if center or index < top - step or index >= top + height + step:
            target = index - height // 2
        elif index < top:
            target = index - step + 1
        else:
            target = index - height + step
        self.scroll_to(y=max(0, target), animate=False)




def _bar_cells(shares: Counter[str], cells: int) -> list[tuple[str, int]]:
    """Split *cells* among the shares by largest remainder, biggest share first; tiny shares get none."""
    total = sum(shares.values())
    if total <= 0:
        return []
    ordered = shares.most_common()
    exact = [(key, count * cells / total) for key, count in ordered]
    given = {key: int(value) for key, value in exact}
    left = cells - sum(given.values())
    for key, _value in sorted(exact, key=lambda kv: kv[1] - int(kv[1]), reverse=True)[:left]:
        given[key] += 1
    return [(key, given[key]) for key, _count in ordered if given[key] > 0]
