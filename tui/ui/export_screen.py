"""The export dialog (``x``): a format and a file for the report of the files shown.

The file starts as ``default_filename()`` in the current directory, or in the home directory
when the current one is inside the scanned tree (nothing is written there unless typed). The
path is checked here (``tui.core.export.check_output``), so a bad one is said at once and can
be corrected; the app writes in a worker and says how it went.

In a browser (``lictree serve``) the file starts as a bare name, which the browser downloads: nothing
is written on the server unless a path with a directory is typed (docs/serve.md).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.core.export import FORMATS, ExportError, check_output, default_filename
from tui.core.index import LicenseIndex
from tui.core.report import printable

#: What each format holds, in the order offered.
FORMAT_NOTES = {
    "json": "the report of `lictree check --format json`, plus the summary",
    "csv": "one row a file: status, expression, licenses, findings",
    "md": "the summary as Markdown tables",
    "html": "one self-contained page: summary, charts, sortable table of files",
    "spdx-json": "an SPDX 2.3 document (JSON), validated; hashes every file",
    "spdx-tv": "an SPDX 2.3 document (tag-value), validated; hashes every file",
    "sarif": "SARIF 2.1.0 for code-scanning UIs: one result a finding",
    "patch": "a patch adding the tags untagged files' notices grant (suggest)",
}


#: The media type a browser is told for each format's download.
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv", "md": "text/markdown", "html": "text/html",
               "spdx-json": "application/json", "spdx-tv": "text/plain", "sarif": "application/json",
               "patch": "text/x-diff"}


@dataclass(frozen=True)
class ExportRequest:
    """What the dialog returns: the format and the path (absolute, ``~`` expanded), or with *download* the
    name under which the browser saves it."""

    fmt: str
    path: str
    download: bool = False


def download_name(typed: str) -> str | None:
    """*typed* as the name of a download (None: it names a file on the server: it has a directory, or ``~``).
    Characters a browser's file name or the download's header could not carry become ``_``."""
    if os.sep in typed or typed.startswith("~") or (os.altsep and os.altsep in typed):
        return None
    return re.sub(r"[^A-Za-z0-9._+-]", "_", typed)


def inside(path: str, root: str) -> bool:
    """Whether *path* is *root* or below it (symbolic links resolved)."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def default_directory(root: str) -> str:
    """Where a report goes unless the user says otherwise: never inside the scanned tree."""
    for candidate in (os.getcwd(), os.path.expanduser("~"), tempfile.gettempdir()):
        if os.path.isdir(candidate) and not inside(candidate, root) and os.access(candidate, os.W_OK):
            return candidate
    return tempfile.gettempdir()


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Pick a format (↑↓) and a file; Enter exports, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
    ]

    DEFAULT_CSS = """
    ExportScreen {
        align: center middle;
        & > Vertical {
            width: 84;
            max-width: 100%;
            height: auto;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
            padding: 0 1;
        }
        #export-what { height: auto; color: $text-muted; margin-bottom: 1; }
        #export-formats { height: auto; max-height: 9; border: none; padding: 0; }
        #export-formats:focus { border: none; }
        #export-path-label { margin-top: 1; }
        #export-path { margin: 0; background: $boost; }
        #export-note { height: auto; min-height: 1; color: $text-muted; }
        #export-note.-error { color: $text-error; }
        #export-buttons { height: auto; align-horizontal: right; margin-top: 1; }
        #export-buttons Button { margin-left: 2; }
    }
    """

    def __init__(self, index: LicenseIndex, files: int, query: str | None, fmt: str = "json",
                 web: bool = False) -> None:
        super().__init__()
        self.index = index
        self.files = files
        self.query_text = query
        self.fmt = fmt if fmt in FORMATS else "json"
        #: In a browser: a bare name is downloaded, a path is written on the server.
        self.web = web
        self.directory = "" if web else default_directory(index.root)
        self._default_path = self._path_for(self.fmt)

    def _path_for(self, fmt: str) -> str:
        name = default_filename(self.index, fmt)
        return download_name(name) or name if self.web else os.path.join(self.directory, name)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Export"
            box.border_subtitle = "↑↓ format · Tab the file · Enter export · Esc cancel"
            what = f"{self.files:,} file{'s' if self.files != 1 else ''}"
            yield Static(Content.assemble(
                "The report of ", (what, "bold"),
                *((" matching ", (printable(self.query_text), "$text-accent")) if self.query_text
                  else (" (no filter)",)),
            ), id="export-what", markup=False)
            yield OptionList(*(Option(Content.assemble((f"{fmt:<10}", "bold"), (note, "$text-muted")), id=fmt)
                               for fmt, note in FORMAT_NOTES.items()), id="export-formats")
            yield Static("File: a name is downloaded by your browser; a path (/…) is written on the server"
                         if self.web else "File", id="export-path-label", markup=False)
            yield Input(self._default_path, id="export-path", compact=True)
            yield Static("", id="export-note", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="export-cancel", compact=True)
                yield Button("Export", id="export-go", variant="primary", compact=True)

    def on_mount(self) -> None:
        formats = self.query_one("#export-formats", OptionList)
        formats.highlighted = list(FORMAT_NOTES).index(self.fmt)
        formats.focus()
        self._check_path()

    @on(OptionList.OptionHighlighted, "#export-formats")
    def _format_changed(self, event: OptionList.OptionHighlighted) -> None:
        self.fmt = event.option_id or "json"
        field = self.query_one("#export-path", Input)
        if field.value == self._default_path:  # not edited: follow the format
            field.value = self._default_path = self._path_for(self.fmt)
        self._check_path()

    @on(Input.Changed, "#export-path")
    def _path_changed(self) -> None:
        self._check_path()

    @on(OptionList.OptionSelected, "#export-formats")
    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def action_export(self) -> None:
        request = self._check_path()
        if request is not None:
            self.dismiss(request)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def _check_path(self) -> ExportRequest | None:
        """What to export where (an absolute path to write, or a download's name), or None after saying why
        it cannot be done."""
        note = self.query_one("#export-note", Static)
        typed = self.query_one("#export-path", Input).value.strip()
        name = download_name(typed) if self.web else None
        if name is not None:
            if name.strip(".") == "":
                note.update(Content("give the download a file name"))
                note.add_class("-error")
                return None
            note.remove_class("-error")
            note.update(Content(f"Enter: your browser downloads {name}; nothing is written on the server"))
            return ExportRequest(self.fmt, name, download=True)
        try:
            if typed == "-":
                raise ExportError("give a file name (standard output is the terminal the UI is drawn on)")
            path = os.path.abspath(os.path.expanduser(typed)) if typed else ""
            check_output(path)
        except ExportError as exc:
            note.update(Content(str(exc)))
            note.add_class("-error")
            return None
        note.remove_class("-error")
        remarks = []
        if os.path.lexists(path):
            remarks.append("a file of that name exists: it will be replaced once the new report is complete")
        if inside(path, self.index.root):
            remarks.append("this is inside the scanned tree")
        if self.web:
            remarks.insert(0, "written on the server, not downloaded")
        note.update(Content("; ".join(remarks)))
        return ExportRequest(self.fmt, path)
