"""The Textual application (``lictree`` launches it from ``tui.ui.launch``): it pushes the main screen
(``tui.ui.main_screen``: the tree pane, the detail pane, a status line and the footer) and drives it.

The tree's files, listed before Textual started, are on the first frame; indexing runs in a thread
worker, verdicts colour the tree as batches arrive, and directory counts follow the finished
index. The detail pane is rebuilt in another worker once the cursor rests on a row, so holding a
cursor key stays cheap.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial, wraps
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import get_current_worker

from tui.core.copying import is_license_file
from tui.core.preview import read_head
from tui.core.query import complete
from tui.core.query import prepare as prepare_queries
from tui.core.report import printable
from tui.core.reuse.detect import kind_name
from tui.core.watch import WATCH_SLACK
from tui.ui import indexing, messages
from tui.ui.crash import ReportsCrashes, crash_message, save_crash_report
from tui.ui.data import TreeData
from tui.ui.detail import describe_directory, describe_file
from tui.ui.filtering import TreeFilter
from tui.ui.help_screen import HelpScreen, binding_rows, help_content
from tui.ui.indexing import Indexing
from tui.ui.main_screen import MainScreen
from tui.ui.probe import Probe, WatchTiming
from tui.ui.rows import DIR, Row
from tui.ui.themes import Palette, ThemeSpec, UsesThemes, fallback_palette
from tui.ui.watcher import TreeWatcher
from tui.ui.widgets.detail_pane import DetailPane
from tui.ui.widgets.filter_bar import QUERY_HELP, FilterBar
from tui.ui.widgets.license_tree import LicenseTree

if TYPE_CHECKING:
    from tui.ui.export_screen import ExportRequest

#: Seconds a storm of changes on disk must rest before the detail pane is rebuilt for the cursor's row.
DETAIL_DELAY = 0.12
#: Seconds between redraws while verdicts arrive.
PROGRESS_EVERY = 0.3
#: Seconds an update from the watcher may take before the status line says changes are being read.
BUSY_AFTER = 0.3
#: Files changed up to this many seconds before the app started are read again once watching starts
M = TypeVar("M", bound=Message)


def progress_content(done: int, total: int, cells: int = 24) -> Content:
    """"reading 12,000 of 86,691 files ████░░░░ 14%": the status line while indexing."""
    share = done / total if total else 0.0
    filled = round(share * cells)
    return Content.assemble(
        (f"reading {done:,} of {total:,} files  ", "$text-muted"),
        ("█" * filled, "$primary"), ("░" * (cells - filled), "$text-muted"), (f" {share:4.0%}", "$text-muted"),
    )


def _while_shown(handler: Callable[[LictreeApp, M], None]) -> Callable[[LictreeApp, M], None]:
    """For a handler of what a thread reports (indexing, the watcher, a detail worker): dropped once the
    app is exiting, when the main screen's widgets may already be gone."""

    @wraps(handler)
    def run(app: LictreeApp, message: M) -> None:
        main = getattr(app, "main", None)
        if app.exiting or main is None or not main.query(LicenseTree):
            return
        handler(app, message)

    return run


class LictreeApp(ReportsCrashes, UsesThemes, App[int]):
    """lictree's terminal UI on one source tree."""

    textual_theme_note = "a Textual theme (license colours of dark or light)"

    CSS_PATH = "lictree.tcss"
    TITLE = "lictree"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("s", "summary", "Summary"),
        Binding("x", "export", "Export"),
        Binding("escape", "clear_filter", "Clear filter"),
        Binding("question_mark", "help", "Help"),
        Binding("t", "pick_theme", "Theme", show=False),
        Binding("d", "toggle_detail", "Detail pane", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        root: str,
        *,
        theme: str | None = None,
        use_cache: bool = True,
        paths: Sequence[str] | None = None,
        screenshot: str | None = None,
        themes: tuple[dict[str, ThemeSpec], list[str]] | None = None,
        watch: bool = True,
        indexing: Indexing | None = None,
        select: str | None = None,
    ) -> None:
        super().__init__()
        self.root = os.path.abspath(root)
        self.root_name = os.path.basename(self.root.rstrip(os.sep)) or self.root
        self.use_cache = use_cache
        self.screenshot_path = screenshot
        self.data = TreeData()
        #: Timings for the benchmarks, when one attaches a Probe (tui.ui.probe); None otherwise.
        self.probe: Probe | None = None
        #: ``exit`` was called: what threads report from now on is dropped.
        self.exiting = False
        self._paths = paths
        self.main: MainScreen
        #: The path the app was opened at (``lictree linux/drivers/net``): revealed, expanded and under
        #: the cursor as soon as the tree has its row.
        self._select = select
        #: Indexing started before Textual loaded (``lictree PATH``), else started on mount.
        self._indexing = indexing
        self._progress_due = False
        self._detail_row: Row | None = None
        self._detail_timer: Timer | None = None
        self.filter = TreeFilter(lambda _index, text: self._completions(text))
        self._filter_due: float | None = None
        self._export_format = "json"
        self._completion_memo: tuple[str, object, list[str]] | None = None
        #: Follow changes on disk (``--no-watch`` turns it off); never while taking a screenshot.
        self.watch_files = watch and not screenshot
        self._watch_since = time.time() - WATCH_SLACK
        #: The watches are in place and what changed while indexing has been read again.
        self.watching = False
        self.watcher: TreeWatcher | None = None
        #: Changes reported on disk are being read.
        self.watch_busy = False
        self._busy_timer: Timer | None = None
        self.setup_themes(themes, theme)
        self.title = f"lictree · {self.root_name}"

    # Layout ----------------------------------------------------------------------------------

    def exit(self, result: int | None = None, return_code: int = 0, message: object = None) -> None:
        self.exiting = True
        super().exit(result, return_code, message)  # type: ignore[arg-type]

    @property
    def tree(self) -> LicenseTree:
        return self.main.tree

    @property
    def detail(self) -> DetailPane:
        return self.main.detail

    @property
    def palette(self) -> Palette:
        spec = self.theme_specs.get(self.theme)
        if spec is not None:
            return spec.palette
        return fallback_palette(self.theme_specs, self.current_theme.dark)

    async def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        for error in self.theme_errors:
            self.notify(error, title="Theme file not loaded", severity="warning", timeout=8, markup=False)
        self.main = MainScreen(self.data, self.palette, self.root_name, self._paths, self._completions)
        self._paths = None  # the screen has them
        await self.push_screen(self.main)
        self.tree.focus()
        if self.main.listed:
            self._set_summary(Content.styled(f"{self.main.listed:,} files listed, reading them…", "$text-muted"))
            self._mark("first_rows")
            self.call_after_refresh(self._open_at_selected)  # once laid out: the row is scrolled into view
        self._run_index()

    # Indexing --------------------------------------------------------------------------------

    def _run_index(self) -> None:
        """Index the tree in its own thread (unless started already); verdicts arrive in batches."""
        if self._indexing is None:
            self._indexing = Indexing(self.root, use_cache=self.use_cache)
        self._indexing.attach(self._index_event)
        self.call_after_refresh(self._indexing.drawn)  # when not started before Textual loaded: once drawn

    def _open_at_selected(self, last_chance: bool = False) -> None:
        """Put the cursor on the path the app was opened at, its directories expanded (itself too)."""
        key = self._select
        if key is None:
            return
        tree = self.tree
        if not tree.select_path(key):
            if last_chance:  # the index is complete and has nothing there (ignored by git, say)
                self._select = None
                self.notify(f"{printable(key)}: no file of the tree is there", title="Opened at the top",
                            severity="warning", timeout=8, markup=False)
            return
        self._select = None
        row = tree.cursor_row
        if row is not None and row.kind == DIR and row.key not in tree.model.expanded:
            tree.action_expand_or_child()

    def _index_event(self, event: indexing.Event) -> None:
        """An event of the indexing thread, as a message to the app (called in that thread)."""
        if isinstance(event, indexing.Progress):
            self.post_message(messages.IndexProgress(event.batch, event.done, event.total))
        elif isinstance(event, indexing.RulesProgress):
            self.post_message(messages.RulesProgress(event.what, event.done, event.total))
        elif isinstance(event, indexing.Built):
            self._stamp("indexed")
            self.post_message(messages.IndexBuilt(event.index, event.dirs))
        elif isinstance(event, indexing.Ready):
            self._stamp("counted")
            self.post_message(messages.IndexReady(event.index, event.seconds))
        elif isinstance(event, indexing.Failed):
            self.post_message(messages.IndexFailed(event.message))

    def on_unmount(self) -> None:
        if self._indexing is not None:
            self._indexing.stop()

    @on(messages.IndexProgress)
    @_while_shown
    def handle_progress(self, message: messages.IndexProgress) -> None:
        if self.data.index is not None:
            return
        self.data.add_batch(message.batch, message.done, message.total)
        if message.batch and not self._progress_due:
            # Batches come every few ms on a cold start: redraw at most every PROGRESS_EVERY seconds.
            self._progress_due = True
            self.set_timer(PROGRESS_EVERY, self._show_progress, name="progress")

    @on(messages.RulesProgress)
    @_while_shown
    def handle_rules_progress(self, message: messages.RulesProgress) -> None:
        """Before the first file is read on a first run: say why colours have not come yet."""
        if self.data.index is None:
            share = f" {100 * message.done // message.total}%" if message.total else ""
            self._set_summary(Content.styled(
                f"building the licence-notice rule index (once per rule-data version): {message.what}{share}",
                "$text-muted"))

    def _show_progress(self) -> None:
        self._progress_due = False
        if self.data.index is None:
            self._set_summary(progress_content(self.data.done, self.data.total))
            self.tree.data_changed(announce=False)

    @on(messages.IndexBuilt)
    @_while_shown
    def handle_index_built(self, message: messages.IndexBuilt) -> None:
        """Every file's verdict is known: colour the whole tree; directory counts follow."""
        index = message.index
        self.data.set_index(index, message.dirs)
        if self.tree.model.paths is not index.paths:
            self.tree.set_paths(index.paths)
        # With the directory counts there, the detail pane is made again too (it said "indexing…").
        self.tree.data_changed(announce=self.data.counts_shown)
        if self._select is not None:
            self.call_after_refresh(self._open_at_selected, True)
        self.refresh_filter()
        self._mark("first_rows")
        if self.data.counts_shown:
            self._set_summary(self._summary_content())
            self._mark("all_colours")
        else:
            self._set_summary(Content.styled(f"{len(index):,} files read, counting per directory…", "$text-muted"))

    @on(messages.IndexReady)
    @_while_shown
    def handle_index_ready(self, message: messages.IndexReady) -> None:
        self.data.set_counted()
        self.tree.data_changed()  # the counts shown do not change; the detail pane is made again from the index
        self._set_summary(self._summary_content())
        self._mark("all_colours")
        self.call_after_refresh(freeze_long_lived)  # after the tree is drawn: it takes a while
        if self.watch_files:
            # The index lives as long as the app: out of the collector's way, the collections that a storm
            # of updates sets off (holding the GIL, so stalling the UI) take a few ms, not 30-250.
            gc.freeze()
            self.watcher = TreeWatcher(self, message.index, self._watch_since)
            self.run_worker(self.watcher.run(), group="watch", name="watch", exclusive=True, exit_on_error=False)

    @on(TreeWatcher.Changed)
    @_while_shown
    def handle_files_changed(self, message: TreeWatcher.Changed) -> None:
        """Files changed on disk: swap in the new index, redraw what changed, refresh the detail pane in place."""
        handling = time.perf_counter()
        changes = message.changes
        assert self.watcher is not None
        # The replaced index is freed in the watcher's thread: freeing 87k files' columns takes a while.
        self.watcher.let_go(self.data.replace_index(changes.index, (*changes.added, *changes.removed)))
        affected = None if changes.catalog_changed else changes.affected()
        self.tree.files_changed(changes.index.paths, changes.added, changes.removed, affected)
        self.refresh_filter()  # an active filter matches the changed files again and narrows the tree to them
        self._set_summary(self._summary_content())
        row = self.tree.cursor_row
        copying = any(map(is_license_file, (*changes.changed, *changes.removed)))  # shown in every file's detail
        if row is not None:
            if affected is None or row.key in affected or copying:
                self._schedule_detail(row)  # in place, once a storm of updates lets up
            elif self.detail.shown_key == row.key:
                self.detail.shown_generation = self.data.generation  # what it shows did not change
        if self.probe is not None:
            timing = (message.received, message.applied, handling, time.perf_counter())
            self.call_after_refresh(self._log_redrawn, self.probe, timing, changes.changed)

    @staticmethod
    def _log_redrawn(probe: Probe, timing: tuple[float, float, float, float], changed: list[str]) -> None:
        probe.watch_log.append(WatchTiming(*timing, time.perf_counter(), changed))

    @on(TreeWatcher.Busy)
    @_while_shown
    def handle_watch_busy(self, message: TreeWatcher.Busy) -> None:
        """Say "reading changes…" in the status line while a long update (a LICENSES/ edit, a storm) runs."""
        self.watch_busy = message.busy
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        if message.busy:
            self._busy_timer = self.set_timer(BUSY_AFTER, partial(self._show_busy, True), name="busy")
        elif self.data.ready:
            self._show_busy(False)

    def _show_busy(self, busy: bool) -> None:
        summary = self._summary_content()
        self._set_summary(Content.assemble(summary, ("  · reading changes…", "$text-muted")) if busy else summary)

    @on(TreeWatcher.Started)
    def handle_watch_started(self, message: TreeWatcher.Started) -> None:
        self.watching = True

    @on(TreeWatcher.Failed)
    def handle_watch_failed(self, message: TreeWatcher.Failed) -> None:
        self.watching = False
        self.notify(message.message, title="Not following changes", severity="warning", timeout=10, markup=False)

    @on(messages.IndexFailed)
    @_while_shown
    def handle_index_failed(self, message: messages.IndexFailed) -> None:
        self._set_summary(Content.styled(message.message, "$text-error"))
        self.notify(message.message, title="Cannot index the tree", severity="error", timeout=10, markup=False)

    def _summary_content(self) -> Content:
        index = self.data.index
        assert index is not None
        counts = index.status_counts()
        palette = self.palette
        stats = self.data.directory("")
        parts: list[Content | tuple[str, str] | str] = [(kind_name(index.ctx.kind), "bold"), ("  · ", "$text-muted"),
                                                         (f"{len(index):,} files", "bold")]
        for status, glyph in (("valid", "✓"), ("untagged", "○"), ("invalid", "✗"),
                              ("unreadable", "?"), ("excluded", "–")):
            if counts.get(status, 0):
                parts += ["  ", (f"{glyph} {counts[status]:,} {status}", palette.status[status])]
        if stats is not None:
            problems = stats.problems
            parts += ["  ", (f"· {problems:,} problem{'s' if problems != 1 else ''}",
                             palette.status["invalid"] if problems else palette.status["valid"])]
        if index.skipped:
            parts += ["  ", (f"· {len(index.skipped):,} skipped", "$text-muted")]
        return Content.assemble(*parts)

    def _set_summary(self, content: Content) -> None:
        self.main.set_status(content)

    def _mark(self, name: str) -> None:
        """For a probe: when something first appeared on screen (after the refresh that shows it)."""
        probe = self.probe
        if probe is not None and name not in probe.timings:
            probe.timings[name] = 0.0
            self.call_after_refresh(probe.timings.__setitem__, name, time.perf_counter())

    def _stamp(self, name: str) -> None:
        """For a probe: when something happened (called in any thread)."""
        if self.probe is not None:
            self.probe.timings[name] = time.perf_counter()

    # Detail pane -----------------------------------------------------------------------------

    @on(LicenseTree.Highlighted)
    def handle_highlighted(self, message: LicenseTree.Highlighted) -> None:
        self._detail_row = message.row
        self._start_detail()

    def _schedule_detail(self, row: Row) -> None:
        """Rebuild the detail pane for *row* once a storm of changes on disk rests DETAIL_DELAY (the tree
        already waits for the cursor to rest before posting Highlighted)."""
        self._detail_row = row
        timer = self._detail_timer
        if timer is None:
            # One paused repeating timer, restarted on each move: cheaper than a new timer a key.
            timer = self._detail_timer = self.set_interval(DETAIL_DELAY, self._detail_due, name="detail", pause=True)
        timer.reset()
        timer.resume()

    def _detail_due(self) -> None:
        if self._detail_timer is not None:
            self._detail_timer.pause()
        self._start_detail()

    def _start_detail(self) -> None:
        row = self._detail_row
        if row is not None and self.detail.display:
            self._build_detail(row, self.data.generation, self.palette)

    @work(thread=True, exclusive=True, group="detail", name="detail", exit_on_error=True)
    def _build_detail(self, row: Row, generation: int, palette: Palette) -> None:
        worker = get_current_worker()
        if row.kind == DIR:
            sections = describe_directory(self.data, palette, row.key, self.root_name)
        else:
            state = self.data.file(row.key)
            around = tuple(sorted({f.line for f in state.findings if f.line})) if state else ()
            if state is not None and state.notice is not None:  # where a notice deep in the file starts and ends
                around = tuple(sorted({*around, state.notice.line, state.notice.end_line}))
            head = read_head(self.root, row.key, around=around)
            sections = describe_file(self.data, palette, row.key, head)
        if not worker.is_cancelled:
            self.post_message(messages.DetailReady(row.key, row.kind == DIR, generation, sections))

    @on(messages.DetailReady)
    @_while_shown
    def handle_detail_ready(self, message: messages.DetailReady) -> None:
        row = self.tree.cursor_row
        if row is None or row.key != message.key:
            return
        self.detail.show(message.key, message.generation, message.sections)
        if self.screenshot_path and self.data.ready and message.generation == self.data.generation:
            path, self.screenshot_path = self.screenshot_path, None
            self.call_after_refresh(self._save_screenshot_and_exit, path)

    def _save_screenshot_and_exit(self, path: str) -> None:
        directory, name = os.path.split(os.path.abspath(path))
        self.save_screenshot(filename=name, path=directory)
        self.exit(0)

    # Filter, summary and export ----------------------------------------------------------------

    @property
    def filter_bar(self) -> FilterBar:
        return self.main.filter_bar

    def _completions(self, text: str) -> list[str]:
        """Completions of the last word (asked by the bar, its suggester and the filter: made once)."""
        index = self.data.index
        memo = self._completion_memo
        if memo is None or memo[0] != text or memo[1] is not index:
            found = complete(text, index.catalog if index is not None else None, index)
            memo = self._completion_memo = (text, index, found)
        return memo[2]

    def action_filter(self) -> None:
        """Open the filter bar (holding the query in force, to edit it)."""
        self.filter_bar.open()
        if self.data.index is None:
            self.filter_bar.show_count(None, 0)
        self._prepare_filter(self.tree.model.paths)

    # A description, or Textual would describe the worker with repr() of its arguments: 87k paths.
    @work(thread=True, exclusive=True, group="full-tree", name="full tree", description="full tree",
          exit_on_error=True)
    def _prepare_filter(self, paths: Sequence[str]) -> None:
        """Lay out the fully expanded tree that filters narrow (once per path list) before the first key."""
        from tui.ui.narrow import FullTree

        model = self.tree.model
        if model.has_full_tree():
            return
        full = FullTree(paths)
        index = self.data.index
        if index is not None and index.paths is paths:
            prepare_queries(index)
        self.call_from_thread(model.adopt, full)
        self.call_from_thread(freeze_long_lived)

    @on(FilterBar.Changed)
    def handle_filter_changed(self, message: FilterBar.Changed) -> None:
        # Keys already queued (a paste, fast typing) are handled before the filter runs, once.
        if self._filter_due is None:
            self._filter_due = time.thread_time()
            self.call_later(self._apply_filter)

    def _apply_filter(self) -> None:
        started, self._filter_due = self._filter_due, None
        index = self.data.index
        bar = self.filter_bar
        if index is None:
            bar.show_count(None, 0)
            return
        if self.tree.model.paths is not index.paths:  # files came or went and the tree has not heard yet
            self.filter.reset()
            self.tree.set_paths(index.paths)
        before = self.filter.mask
        self.filter.apply(index, bar.text)
        bar.show_state(self.filter.state, self.filter.error)
        result = self.filter.result
        if self.filter.mask is not before or self.tree.model.filtered != (result is not None):
            self.tree.narrow(self.filter.mask)
        bar.show_count(result.count if result is not None else None, len(index))
        if started is not None and self.probe is not None:
            self.probe.filter_costs.append((bar.text, time.thread_time() - started))

    def refresh_filter(self) -> None:
        """Match the query again: the index was built, or files changed."""
        self.filter.reset()
        if self.filter.active or self.filter_bar.text:
            self.call_later(self._apply_filter)

    @on(FilterBar.Submitted)
    def handle_filter_submitted(self, message: FilterBar.Submitted) -> None:
        if not message.text.strip():
            self.filter_bar.close()
        self.tree.focus()

    @on(FilterBar.Cleared)
    def handle_filter_cleared(self, message: FilterBar.Cleared) -> None:
        self.action_clear_filter()

    def action_clear_filter(self) -> None:
        """Drop the filter: every file again, the cursor on the same row, the bar closed."""
        bar = self.filter_bar
        bar.close()
        bar.input.value = ""
        self.filter.clear()
        bar.show_state(self.filter.state, None)
        if self.tree.model.filtered:
            self.tree.narrow(None)
        self.tree.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("filter", "summary", "export", "clear_filter") and self.screen is not self.main:
            return False  # they act on the tree's screen
        if action == "clear_filter":
            return self.filter.active or self.filter_bar.shown
        return True

    def action_summary(self) -> None:
        """Counts of the files shown, by status, class, license, expression, rule and directory."""
        index = self.data.index
        if index is None:
            self.notify("Still indexing: the summary is ready once every file is read.", timeout=3)
            return
        result = self.filter.result
        from tui.ui.summary_screen import SummaryScreen  # imported when first used, not at launch

        screen = SummaryScreen(index, result.positions if result else None, result.query.text if result else None,
                               self.palette)
        self.push_screen(screen, self._summary_chosen)

    def _summary_chosen(self, term: str | None) -> None:
        """A summary row was chosen: add its term to the filter, so the tree shows the files it counts."""
        if not term:
            return
        result = self.filter.result
        text = f"{result.query.text.strip()} {term}" if result is not None else term
        self.filter_bar.set_text(text.strip())
        self.tree.focus()

    def action_export(self) -> None:
        """Write a report of the files shown (the filter's, or all) in a format the user picks."""
        index = self.data.index
        if index is None:
            self.notify("Still indexing: export once every file is read.", timeout=3)
            return
        result = self.filter.result
        files = result.count if result is not None else len(index)
        from tui.ui.export_screen import ExportScreen  # imported when first used, not at launch

        screen = ExportScreen(index, files, result.query.text if result else None, self._export_format, web=self.is_web)
        self.push_screen(screen, self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        index = self.data.index
        if request is None or index is None:
            return
        self._export_format = request.fmt
        result = self.filter.result
        positions = result.positions if result is not None else None
        files = len(positions) if positions is not None else len(index)
        query = result.query.text if result is not None else None
        if request.download:
            self.notify(f"Making the {request.fmt} report of {files:,} files for your browser…", title="Export",
                        timeout=3)
            self._deliver_export(index, request, positions, query)
            return
        self.notify(f"Writing the {request.fmt} report of {files:,} files…", title="Export", timeout=3)
        self._write_export(index, request, positions, query)

    @work(thread=True, group="export", name="export", description="export", exit_on_error=False)
    def _deliver_export(self, index: object, request: ExportRequest, positions: list[int] | None,
                        query: str | None) -> None:
        """In a browser: the report is made in memory and handed to the browser, which downloads it."""
        import io

        from tui.core import export
        from tui.ui.export_screen import MEDIA_TYPES

        files = len(positions) if positions is not None else len(index)  # type: ignore[arg-type]
        try:
            data = export.render_bytes(index, request.fmt, positions=positions, query=query)  # type: ignore[arg-type]
        except Exception as exc:  # a bug: say so and keep the report, but keep the UI running
            report = save_crash_report(exc, self.root, "exporting a report for the browser")
            self.call_from_thread(self.notify, crash_message(exc, report), title="Export failed",
                                  severity="error", timeout=20)
            return
        size = len(data)

        def deliver() -> None:
            self.deliver_binary(io.BytesIO(data), save_filename=request.path,
                                mime_type=MEDIA_TYPES.get(request.fmt, "text/plain"))
            self.notify(f"Sent the {request.fmt} report of {files:,} files to your browser as "
                        f"{printable(request.path)} ({_size(size)}).", title="Exported", timeout=8)

        self.call_from_thread(deliver)

    @work(thread=True, group="export", name="export", description="export", exit_on_error=False)
    def _write_export(self, index: object, request: ExportRequest, positions: list[int] | None,
                      query: str | None) -> None:
        from tui.core import export

        files = len(positions) if positions is not None else len(index)  # type: ignore[arg-type]
        try:
            export.write(index, request.fmt, request.path, positions=positions, query=query)  # type: ignore[arg-type]
        except export.ExportError as exc:
            self.call_from_thread(self.notify, f"Nothing was written: {exc}", title="Export failed",
                                  severity="error", timeout=12)
            return
        except Exception as exc:  # a bug: say so and keep the report, but keep the UI running
            report = save_crash_report(exc, self.root, "exporting a report")
            self.call_from_thread(self.notify, crash_message(exc, report), title="Export failed",
                                  severity="error", timeout=20)
            return
        size = os.path.getsize(request.path)
        shown = printable(request.path)
        self.call_from_thread(self.notify, f"Wrote the {request.fmt} report of {files:,} files to {shown} "
                              f"({_size(size)}).", title="Exported", timeout=8)

    # Themes ----------------------------------------------------------------------------------

    def _theme_changed(self, _theme: object) -> None:
        self.tree.set_palette(self.palette)
        if self.data.ready:
            self._set_summary(self._summary_content())
        row = self.tree.cursor_row
        if row is not None:
            self._detail_row = row
            self._start_detail()

    # Actions and commands --------------------------------------------------------------------

    def action_help(self) -> None:
        groups = [
            ("Tree", binding_rows(LicenseTree.BINDINGS)),
            ("Filter bar", [
                *binding_rows([b for b in FilterBar.BINDINGS if b.key != "shift+tab"]),
                ("Enter", "keep the filter and go back to the tree"),
                ("→", "take the grey completion"),
                ("n N", "with a filter: the next / previous problem among the files"),
                ("", "shown; when none has one, the next file with a finding"),
            ]),
            ("Query language", QUERY_HELP),
            ("Everywhere", [
                *binding_rows(self.BINDINGS),
                ("Tab", "switch between the tree and the detail pane"),
                ("^p", "command palette: every action, and the themes"),
                ("^q", "quit"),
            ]),
            ("Mouse", [("click", "select a row; click its ▸ or click it again to open a directory"),
                       ("wheel", "scroll either pane")]),
        ]
        self.push_screen(HelpScreen(help_content(groups, self.palette)))

    def action_switch_pane(self) -> None:
        """Tab: between the tree and the detail pane (never into the filter bar, which has `/`)."""
        if self.tree.has_focus and self.detail.display:
            self.detail.focus()
        else:
            self.tree.focus()

    def action_toggle_detail(self) -> None:
        detail = self.detail
        self.main.show_detail_pane(not detail.display)
        if detail.display:
            self._start_detail()
        else:
            self.tree.focus()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        trees = screen.query(LicenseTree)  # the screen the palette was opened from, not the palette
        if trees:
            tree = trees.first()
            yield SystemCommand("Expand all", "Open every directory of the tree", tree.action_expand_all)
            yield SystemCommand("Collapse all", "Close every directory but the top", tree.action_collapse_all)
            yield SystemCommand("Expand below cursor", "Open the directory under the cursor and all below it",
                                tree.action_expand_subtree)
            yield SystemCommand("Next problem", "Go to the next file with an invalid tag or an error",
                                tree.action_next_problem)
            yield SystemCommand("Previous problem", "Go to the previous file with a problem",
                                tree.action_previous_problem)
            yield SystemCommand("Filter", "Narrow the tree to the files a query matches (/)", self.action_filter)
            if self.filter.active:
                yield SystemCommand("Clear filter", "Show every file again (Esc)", self.action_clear_filter)
            yield SystemCommand("Summary", "Counts per status, class, license, expression, rule and directory of "
                                "the files shown (s)", self.action_summary)
            yield SystemCommand("Export", "Write a report of the files shown: json, csv, md, html, spdx, sarif, "
                                "patch (x)", self.action_export)
        yield SystemCommand("Help: keys, glyphs and colours", "Show the help screen", self.action_help)
        yield SystemCommand("Toggle detail pane", "Hide or show the detail pane", self.action_toggle_detail)
        yield from self.theme_commands()

    # Crashes ---------------------------------------------------------------------------------

    def crash_place(self) -> tuple[str | None, str]:
        return self.root, "running the UI in a browser" if self.is_web else "running the terminal UI"


def freeze_long_lived() -> None:
    """Move what exists now (the index, the tree's rows) out of the garbage collector's generations:
    a full collection over a kernel tree's objects costs tens of ms, and would land on keystrokes."""
    gc.collect()
    gc.freeze()


def _size(size: int) -> str:
    """1234567 -> "1.2 MB"."""
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size} GB"
