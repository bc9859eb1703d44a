"""Crash reports: an unexpected exception is saved to a file outside the tree, and the user gets
one readable sentence saying where, instead of a traceback over their terminal."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback

from tui import __version__


def state_dir() -> str:
    """``$XDG_STATE_HOME/lictree`` (default ``~/.local/state/lictree``)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "lictree")


def _outside(directory: str, root: str | None) -> bool:
    if root is None:
        return True
    real_root = os.path.realpath(root)
    real = os.path.realpath(directory)
    return not (real == real_root or real.startswith(real_root + os.sep))


def save_crash_report(error: BaseException, root: str | None = None, context: str = "") -> str | None:
    """Write a report of *error* (traceback, versions, the tree's path) and return its path.

    The report goes to the XDG state dir, or the temporary dir when that would be inside the tree
    or cannot be written; None when nothing could be written at all.
    """
    import textual

    lines = [
        f"lictree {__version__} crash report, {time.strftime('%Y-%m-%d %H:%M:%S')}",
        f"python {sys.version.split()[0]} on {platform.platform()}; textual {textual.__version__}",
        f"argv: {sys.argv!r}",
        f"tree: {root!r}",
    ]
    if context:
        lines.append(f"while: {context}")
    lines.append("")
    lines.extend(traceback.format_exception(type(error), error, error.__traceback__))
    text = "\n".join(line.rstrip("\n") for line in lines) + "\n"
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for directory in (state_dir(), tempfile.gettempdir()):
        if not _outside(directory, root):
            continue
        try:
            os.makedirs(directory, exist_ok=True)
            path = os.path.join(directory, name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            return path
        except OSError:
            continue
    return None


def crash_message(error: BaseException, report: str | None) -> str:
    """The sentence printed on stderr after a crash."""
    where = f"a report was saved to {report}" if report else "no report could be saved"
    summary = f"{type(error).__name__}: {error}".strip()
    if len(summary) > 200:
        summary = summary[:199] + "…"
    return f"lictree: internal error ({summary}); {where}. Please include it when reporting the problem."


class ReportsCrashes:
    """Mixed into a Textual App (before ``App``): an unhandled exception is saved as a crash report and leaves
    one sentence on exit, not a traceback; ``crash_error`` and ``crash_report`` tell the launcher what
    happened. The app says, in ``crash_place``, which tree and what was running."""

    crash_error: BaseException | None = None
    crash_report: str | None = None

    def crash_place(self) -> tuple[str | None, str]:
        """(the tree's path, what was running) for the report."""
        raise NotImplementedError

    def _fatal_error(self) -> None:
        from rich.text import Text

        error = self._exception  # type: ignore[attr-defined]
        if error is None:
            super()._fatal_error()  # type: ignore[misc]
            return
        self.crash_error = error
        root, where = self.crash_place()
        self.crash_report = save_crash_report(error, root, where)
        self._exit_renderables.append(Text(crash_message(error, self.crash_report)))  # type: ignore[attr-defined]
        self._close_messages_no_wait()  # type: ignore[attr-defined]
