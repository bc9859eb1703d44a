"""``lictree --diff OLD [NEW]``: the tree in comparison mode.

Only the files the diff names are shown (added, removed, renamed, changed), each with its old -> new
licence, and each directory with the net licence change below it (``+12 MIT −3 GPL-2.0-only``); ``a``
shows every file of the new side too. The detail pane shows both verdicts and both heads with the tag
lines marked (▶). ``/`` filters: ``change:added|removed|renamed|changed``, ``same:true|false``,
``license:ID`` and words of the path; ``s`` shows the summary, ``x`` exports the files shown. The diff is
computed (``tui.core.diff.kept_or_compared``, cached) in a thread worker while the app is up.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, Tree
from textual.widgets.tree import TreeNode

from tui.core import diff as diff_mod
from tui.core import revision as rev_mod
from tui.core.diff import CHANGE_KINDS, Diff, FileDiff, Verdict
from tui.core.report import printable
from tui.ui.crash import ReportsCrashes, crash_message, save_crash_report
from tui.ui.diff_model import (
    FILTER_HELP,
    MARKS,
    DiffFilter,
    DirNode,
    FilterError,
    build_tree,
    compared,
    delta_text,
    file_text,
    licence_of,
    parse_filter,
    side_head,
    side_label,
    spelling_only,
)
from tui.ui.themes import ThemeSpec, UsesThemes, load_themes

#: The colour of each change kind: the theme's success, error, accent and warning colours (these where a theme
#: has none).
STYLES = {"added": "green", "removed": "red", "renamed": "cyan", "changed": "yellow", "unchanged": "dim"}
_THEME_COLOURS = {"added": "success", "removed": "error", "renamed": "accent", "changed": "warning"}
#: What the marks and the filter's terms mean (the help screen).
MARK_ROWS = [(MARKS["added"], "added, with its licence"), (MARKS["removed"], "removed, with the licence it had"),
             (MARKS["renamed"], "renamed (as git finds renames), with the path it had"),
             (MARKS["changed"], "changed: the same path, another status, expression or licence"),
             ("A -> B", "the old and the new licence; (spelling only): the same licence"),
             ("", "spelled otherwise (GPL-2.0 -> GPL-2.0-only, or -> OR)"),
             ("+2 −1", "on a directory: the net licence change of the files below it"),
             ("[notice]", "a licence from the file's notice, not a tag ([copying]: the default)")]
TREE_ROWS = [("↑ ↓", "move; the detail pane shows both verdicts and both heads"),
             ("", "(▶ marks the tag line on each side)"),
             ("Enter", "open or close a directory"),
             ("PgUp PgDn", "a page up or down (Home, End: the first, the last row)")]
FILTER_ROWS = [("change:KIND", "added, removed, renamed or changed"),
               ("same:false", "a real licence change (same:true: only the spelling changed)"),
               ("license:ID", "files with ID on either side (any spelling)"),
               ("word", "a word of the path (or of the old path)"),
               ("-term", "files the term does not match; terms are all to match")]


class DiffApp(ReportsCrashes, UsesThemes, App):
    """The licence diff of two trees or revisions, as a tree."""

    TITLE = "lictree diff"
    CSS = """
    #summary { height: 1; background: $panel; padding: 0 1; }
    #panes { height: 1fr; }
    #difftree { width: 55%; min-width: 40; border-right: vkey $panel; }
    #detailbox { width: 1fr; min-width: 30; padding: 0 1; }
    #filter { display: none; }
    #filter.-shown { display: block; }
    #export { display: none; }
    #export.-shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "toggle_all", "Everything / changes"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "summary", "Summary"),
        Binding("x", "export", "Export"),
        Binding("escape", "clear_filter", "Clear filter"),
        Binding("question_mark", "help", "Help"),
        Binding("t", "pick_theme", "Theme", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, old: str, new: str, repo: str | None = None, use_cache: bool = True,
                 screenshot: str | None = None, theme: str | None = None,
                 themes: tuple[dict[str, ThemeSpec], list[str]] | None = None) -> None:
        super().__init__()
        self.specs = (old, new, repo)
        self.use_cache = use_cache
        self.screenshot = screenshot
        self.diff: Diff | None = None
        self.error: str | None = None
        #: Every file of the new side ("everything" mode), listed once asked for.
        self.new_paths: list[str] | None = None
        self.show_all = False
        self._detail_writes = 0  # writes to the detail pane: a deferred cursor detail gives way to a newer one
        self.query_filter = DiffFilter()
        self.top: DirNode | None = None
        self.setup_themes(themes, theme)
        self.title = "lictree diff"

    def compose(self) -> ComposeResult:
        old, new, _repo = self.specs
        yield Static(Text(f"comparing {printable(old)} -> {printable(new)}…", style="dim"), id="summary")
        with Horizontal(id="panes"):
            tree: Tree = Tree("", id="difftree")
            tree.show_root = False
            yield tree
            with VerticalScroll(id="detailbox"):
                yield Static("", id="detail")
        yield Input(placeholder=FILTER_HELP, id="filter")
        yield Input(placeholder="export the files shown to FILE (.json .md .html .csv, else text); Esc: cancel",
                    id="export")
        yield Footer()

    @property
    def tree(self) -> Tree:
        return self.query_one("#difftree", Tree)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        for error in self.theme_errors:
            self.notify(error, title="Theme file not loaded", severity="warning", timeout=8, markup=False)
        self.tree.focus()
        self._compare()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_all", "filter", "summary", "export", "clear_filter") and len(self.screen_stack) > 1:
            return False  # they act on the tree's screen, not on the help or a picker over it
        return True

    def change_style(self, kind: str) -> str:
        """The colour of a change kind in the current theme."""
        colour = getattr(self.current_theme, _THEME_COLOURS.get(kind, ""), None)
        return colour if isinstance(colour, str) and colour else STYLES[kind]

    def _theme_changed(self, _theme: object) -> None:
        self.rebuild()

    # Computing ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="diff")
    def _compare(self) -> None:
        old, new, repo = self.specs

        def progress(what: str, done: int, total: int) -> None:
            self.call_from_thread(self._set_status, Text(f"comparing: {what} {done:,} of {total:,} files", "dim"))

        try:
            diff = diff_mod.kept_or_compared(old, new, repo, use_cache=self.use_cache, progress=progress)
        except (diff_mod.DiffError, rev_mod.RevisionError, OSError) as exc:
            self.call_from_thread(self._failed, str(exc))
            return
        self.call_from_thread(self._loaded, diff)

    def _failed(self, message: str) -> None:
        self.error = message
        self.exit(2, return_code=2)

    def _loaded(self, diff: Diff) -> None:
        self.diff = diff
        self.rebuild()
        if self.screenshot:
            self.call_after_refresh(self._save_screenshot_and_exit, self.screenshot)

    def _save_screenshot_and_exit(self, path: str) -> None:
        directory, name = os.path.split(os.path.abspath(path))
        self.save_screenshot(filename=name, path=directory)
        self.exit(0)

    @work(thread=True, exclusive=True, group="listing")
    def _list_new_side(self) -> None:
        assert self.diff is not None
        info = self.diff.new
        try:
            if info.get("rev") is None:
                from tui.core.scan import start_listing

                paths = list(start_listing(info["root"])().paths)
            else:
                paths = sorted(rev_mod.list_tree(info["root"], info.get("tree") or info["rev"]))
        except (OSError, rev_mod.RevisionError) as exc:
            self.call_from_thread(self.notify, f"cannot list the new side: {exc}", severity="error")
            return
        self.call_from_thread(self._listed, paths)

    def _listed(self, paths: list[str]) -> None:
        self.new_paths = paths
        self.rebuild()

    # The tree -----------------------------------------------------------------------------------

    def shown_files(self) -> list[FileDiff]:
        assert self.diff is not None
        return [f for f in self.diff.files if self.query_filter.matches(f)]

    def rebuild(self) -> None:
        diff = self.diff
        if diff is None:
            return
        shown = self.shown_files()
        unchanged: list[str] = []
        if self.show_all and self.new_paths is not None and not self.query_filter:
            listed = diff.by_path
            unchanged = [p for p in self.new_paths if p not in listed]
        self.top = build_tree(diff, shown, unchanged)
        tree = self.tree
        tree.clear()
        self._populate(tree.root, self.top)
        tree.root.expand()
        self._set_status(self._status_text(shown))
        if tree.cursor_line < 0 and tree.last_line >= 0:
            tree.cursor_line = 0
        # (the tree lays out its new rows when it next refreshes: the row under the cursor is known then; the same
        # line, now another row, is no highlight of its own), unless the pane was written since (a summary asked
        # for at once)
        self.call_after_refresh(self._show_cursor_detail, self._detail_writes)

    def _show_cursor_detail(self, writes: int) -> None:
        if writes == self._detail_writes:
            self._show_detail(self.tree.cursor_node)

    def _write_detail(self, content: Text | str) -> None:
        self._detail_writes += 1
        self.query_one("#detail", Static).update(content)

    def _populate(self, node: TreeNode, directory: DirNode) -> None:
        """The children of *directory* under *node*; a directory with changes below is opened at once, one
        without (everything mode) when it is expanded."""
        assert self.diff is not None
        by_path = self.diff.by_path
        for name in sorted(directory.dirs):
            child = directory.dirs[name]
            label = Text.assemble((f"{name}/", "bold"))
            if child.changed:
                label.append(f"  ({child.changed})", "dim")
                delta = delta_text(self.diff, child.net)
                if delta:
                    label.append("  ")
                    for part in _delta_parts(delta):
                        label.append(part + " ", self.change_style("added" if part.startswith("+") else "removed"))
            branch = node.add(label, data=child, expand=bool(child.changed))
            if child.changed:
                self._populate(branch, child)
            else:
                branch.add_leaf("…", data=None)  # filled in when expanded
        for name in sorted(directory.files):
            path = directory.files[name]
            item = by_path.get(path)
            if item is None:
                node.add_leaf(Text(f"  {name}", STYLES["unchanged"]), data=path)
                continue
            style = self.change_style(item.change)
            label = Text.assemble((f"{MARKS[item.change]} {name}", style), "  ", (file_text(item), style))
            node.add_leaf(label, data=item)

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        if isinstance(node.data, DirNode) and len(node.children) == 1 and node.children[0].data is None:
            node.remove_children()
            self._populate(node, node.data)

    def _status_text(self, shown: list[FileDiff]) -> Text:
        assert self.diff is not None
        diff = self.diff
        counts = diff.counts()
        parts = ", ".join(f"{counts[k]} {k}" for k in CHANGE_KINDS)
        text = Text.assemble((compared(diff.old, diff.new), "bold"),
                             f"  {parts}; {diff.modified_same} modified with the same verdict")
        if self.query_filter:
            text.append(f"  | filter: {len(shown)} of {len(diff.files)}", "yellow")
        mode = "everything" if self.show_all else "changes only"
        text.append(f"  | {mode} (a)", "dim")
        return text

    def _set_status(self, content: Text) -> None:
        self.query_one("#summary", Static).update(content)

    # Detail -------------------------------------------------------------------------------------

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        self._show_detail(event.node)

    def _show_detail(self, node: TreeNode | None) -> None:
        data = node.data if node is not None and self.diff is not None else None
        if isinstance(data, FileDiff):
            self._write_detail(self.file_detail(data))
        elif isinstance(data, DirNode):
            self._write_detail(self.dir_detail(data))
        elif isinstance(data, str):
            self._write_detail(Text.assemble((data, "bold"), "\nunchanged (the same verdict on both sides)"))
        else:
            self._write_detail("")

    def dir_detail(self, directory: DirNode) -> Text:
        assert self.diff is not None
        files = f"{directory.changed:,} file{'' if directory.changed == 1 else 's'}"
        text = Text.assemble((f"{directory.path or '.'}/", "bold"), f"\n{files} changed below\n")
        delta = delta_text(self.diff, directory.net)
        text.append(f"net licence change: {delta or 'none'}\n")
        return text

    def file_detail(self, item: FileDiff) -> Text:
        assert self.diff is not None
        style = self.change_style(item.change)
        text = Text.assemble((item.path, "bold"), "\n", (item.change, style))
        if item.old_path:
            text.append(f" from {item.old_path}")
        if item.same_license is not None:
            same = "  same licence (spelling only)" if spelling_only(item) else "  same licence"
            text.append(same if item.same_license else "  LICENCE CHANGED",
                        "green" if item.same_license else "bold red")
        text.append("\n\n")
        for title, info, verdict in (("old", self.diff.old, item.old), ("new", self.diff.new, item.new)):
            text.append(f"{title}: {side_label(info)}\n", "bold underline")
            text.append_text(_verdict_text(verdict))
        if item.findings:
            text.append("\nnew findings\n", "bold")
            for finding in item.findings:
                where = f" line {finding.line}" if finding.line else ""
                text.append(f"  {finding.rule} {finding.severity}{where}: {printable(finding.message)}\n")
        for title, info, verdict, path in (("old", self.diff.old, item.old, item.old_path or item.path),
                                           ("new", self.diff.new, item.new, item.path)):
            if verdict is None:
                continue
            text.append(f"\n{title} head\n", "bold")
            for line in side_head(info, path, verdict.line):
                text.append(line + "\n", "bold yellow" if line.startswith("▶") else "")
        return text

    # Actions ------------------------------------------------------------------------------------

    def action_toggle_all(self) -> None:
        if self.diff is None:
            return
        self.show_all = not self.show_all
        if self.show_all and self.new_paths is None:
            self._list_new_side()
            return
        self.rebuild()

    def action_filter(self) -> None:
        bar = self.query_one("#filter", Input)
        bar.add_class("-shown")
        bar.focus()

    def action_summary(self) -> None:
        """The summary of the files shown (the text report's summary: of the filter's files, when one is set)
        in the detail pane."""
        if self.diff is None:
            return
        import dataclasses

        from tui.core import diff_report

        diff = dataclasses.replace(self.diff, files=self.shown_files()) if self.query_filter else self.diff
        title = (f"Summary of the {len(diff.files)} files the filter shows\n" if self.query_filter
                 else "Summary\n")
        lines = [compared(diff.old, diff.new), *diff_report.summary_lines(diff), diff_report.summary_line(diff)]
        self._write_detail(Text.assemble((title, "bold"), "\n".join(lines)))

    def action_help(self) -> None:
        from tui.ui.help_screen import HelpScreen, binding_rows, group_lines

        groups = [
            ("Comparison mode", binding_rows(self.BINDINGS)),
            ("Tree", TREE_ROWS),
            ("Marks", MARK_ROWS),
            ("Filter terms (/)", FILTER_ROWS),
            ("Everywhere", [("^p", "command palette: every action, and the themes"), ("^q", "quit")]),
        ]
        from textual.content import Content

        self.push_screen(HelpScreen(Content("\n").join(group_lines(groups))))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Everything / changes", "Show every file of the new side, or the changes only (a)",
                            self.action_toggle_all)
        yield SystemCommand("Filter", "change:, same:, license: and words of the path (/)", self.action_filter)
        yield SystemCommand("Summary", "The summary of the files shown (s)", self.action_summary)
        yield SystemCommand("Export", "Write the files shown: json, md, html, csv or text (x)", self.action_export)
        yield SystemCommand("Help: keys and marks", "Show the help screen (?)", self.action_help)
        yield from self.theme_commands()

    # Crashes ---------------------------------------------------------------------------------

    def crash_place(self) -> tuple[str | None, str]:
        old, _new, repo = self.specs
        return repo or old, "running the comparison mode"

    def action_export(self) -> None:
        if self.diff is None:
            return
        bar = self.query_one("#export", Input)
        if self.is_web:
            bar.placeholder = ("export the files shown: a FILE name (.json .md .html .csv, else text) is downloaded by "
                               "your browser, a /path is written on the server; Esc: cancel")
        bar.add_class("-shown")
        bar.focus()

    @on(Input.Submitted, "#export")
    def _export_submitted(self, event: Input.Submitted) -> None:
        event.input.remove_class("-shown")
        self.tree.focus()
        if event.value.strip():
            self.export(event.value.strip())

    def export(self, output: str) -> str | None:
        """Write the files shown (the filter's, or all the diff's) to *output*; the format from its extension.
        Returns the error, or None."""
        import dataclasses

        from tui.core import diff_report
        from tui.core.export import ExportError, atomic_output, check_output

        assert self.diff is not None
        ext = os.path.splitext(output)[1].lower().lstrip(".")
        fmt = {"json": "json", "md": "md", "html": "html", "htm": "html", "csv": "csv"}.get(ext, "text")
        diff = dataclasses.replace(self.diff, files=self.shown_files()) if self.query_filter else self.diff
        if self.is_web:
            from tui.ui.export_screen import download_name

            name = download_name(output)
            if name is not None:  # a bare name, in a browser: downloaded; nothing is written on the server
                import io

                mime = {"json": "application/json", "md": "text/markdown", "html": "text/html", "csv": "text/csv"}
                self.deliver_text(io.StringIO(diff_report.render(diff, fmt), newline=""), save_filename=name,
                                  encoding="utf-8", mime_type=mime.get(fmt, "text/plain"))
                self.notify(f"sent {len(diff.files)} files ({fmt}) to your browser as {name}")
                return None
        try:
            target = check_output(output)
            with atomic_output(target, newline="" if fmt == "csv" else None) as out:
                out.write(diff_report.render(diff, fmt))
        except ExportError as exc:
            self.notify(str(exc), severity="error")
            return str(exc)
        except OSError as exc:
            self.notify(f"{output}: cannot write: {exc.strerror or exc}", severity="error")
            return str(exc)
        self.notify(f"wrote {len(diff.files)} files ({fmt}) to {output}")
        return None

    def action_clear_filter(self) -> None:
        export = self.query_one("#export", Input)
        if export.has_class("-shown"):
            export.value = ""
            export.remove_class("-shown")
            self.tree.focus()
            return
        bar = self.query_one("#filter", Input)
        bar.value = ""
        bar.remove_class("-shown")
        self.query_filter = DiffFilter()
        self.tree.focus()
        self.rebuild()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.set_filter(event.value)
        if not event.value.strip():
            event.input.remove_class("-shown")
        self.tree.focus()

    def set_filter(self, text: str) -> bool:
        try:
            self.query_filter = parse_filter(text)
        except FilterError as exc:
            self.notify(str(exc), severity="error")
            return False
        self.rebuild()
        return True


def _delta_parts(delta: str) -> list[str]:
    """"+12 MIT −3 GPL" -> ["+12 MIT", "−3 GPL"]."""
    words = delta.split(" ")
    return [" ".join(words[i : i + 2]) for i in range(0, len(words), 2)]


def _verdict_text(verdict: Verdict | None) -> Text:
    if verdict is None:
        return Text("  (no such file)\n", "dim")
    line = f" (line {verdict.line})" if verdict.line else ""
    text = Text()
    text.append(f"  status     {verdict.status}\n")
    text.append(f"  expression {printable(verdict.expression or '—')}{line}\n")
    text.append(f"  licence    {printable(licence_of(verdict))}")
    text.append(f"  from {verdict.source}\n" if verdict.source else "\n")
    if verdict.notice is not None:
        text.append(f"  notice     {printable(str(getattr(verdict.notice, 'expression', '') or verdict.notice))}\n")
    return text


def check_specs(old: str, new: str | None, repo: str | None) -> tuple[str, str]:
    """(OLD, NEW) of ``--diff OLD [NEW]`` checked before the app starts (a directory is a tree lictree opens,
    anything else a revision of *repo*); NEW defaults to the working tree of the repository. DiffError: one line.
    """
    from tui.core.tree import TreeError, check_root

    if repo is not None and not os.path.isdir(repo):
        raise diff_mod.DiffError(f"{repo}: no such directory")
    if new is None:
        top = rev_mod.repository_of(repo if repo is not None else os.getcwd())
        if top is None:
            raise diff_mod.DiffError(f"--diff {old}: not in a git repository (give --repo, or OLD and NEW)")
        new = top
    for spec in (old, new):
        if os.path.isdir(spec):
            try:
                check_root(spec)
            except TreeError as exc:
                raise diff_mod.DiffError(str(exc)) from None
        else:
            diff_mod.open_side(spec, repo, use_cache=False)  # a revision: resolved, its LICENSES/ read
    return old, new


def run_diff_app(specs: list[str], repo: str | None, use_cache: bool = True, screenshot: str | None = None,
                 theme: str | None = None) -> int:
    """``lictree --diff OLD [NEW]``: exit status 0, 2 with one line on stderr for bad arguments, 1 after a crash
    (one sentence on stderr, the report saved)."""
    import sys

    from tui.ui.themes import theme_problem

    def fail(message: str) -> int:
        print(f"lictree: {printable(message)}", file=sys.stderr)
        return 2

    if len(specs) > 2:
        return fail("--diff takes OLD [NEW]: a directory or a revision each")
    if screenshot and not os.path.isdir(os.path.dirname(os.path.abspath(screenshot))):
        return fail(f"--screenshot: no such directory: {os.path.dirname(os.path.abspath(screenshot))}")
    themes = load_themes()
    problem = theme_problem(theme, themes)
    if problem:
        return fail(problem)
    try:
        old, new = check_specs(specs[0], specs[1] if len(specs) > 1 else None, repo)
    except (diff_mod.DiffError, rev_mod.RevisionError) as exc:
        return fail(str(exc))
    app = DiffApp(old, new, repo, use_cache, screenshot, theme=theme, themes=themes)
    try:
        if screenshot:
            from tui.ui.launch import SCREENSHOT_SIZE

            app.run(headless=True, size=SCREENSHOT_SIZE)
        else:
            app.run()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # anything that escaped Textual's own handling
        print(crash_message(exc, save_crash_report(exc, repo or old, "running the comparison mode")), file=sys.stderr)
        return 1
    if app.crash_error is not None:
        return 1
    if app.error is not None:
        return fail(app.error)
    return app.return_code or 0
