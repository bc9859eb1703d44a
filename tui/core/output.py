"""Where a report goes: the check of an output path before any work is done, and writing bytes to it (stdout,
or a file replaced whole). ``lictree export`` and ``lictree suggest`` write through it."""

from __future__ import annotations

import os
import stat

from tui.core.atomic import replacing
from tui.core.report import printable


class ExportError(Exception):
    """The export cannot be written (bad format or output path, disk full): a one-line message."""


def check_output(output: str) -> str | None:
    """The real path to write (None: stdout), or ExportError when it cannot be written."""
    if output == "-":
        return None
    if not output:
        raise ExportError("the output path is empty")
    path = os.path.realpath(output)
    shown = printable(output)
    if os.path.isdir(path):
        raise ExportError(f"{shown}: is a directory")
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        raise ExportError(f"{shown}: no such directory: {printable(os.path.dirname(output) or parent)}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{shown}: cannot create files in {printable(parent)}: permission denied")
    return path


def write_bytes(target: str | None, data: bytes) -> None:
    """*data* to stdout (None), or to *target* (``check_output``), replaced whole and flushed to disk (a
    device or a pipe is written in place)."""
    import sys

    if target is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(target, "wb") as stream:
            stream.write(data)
        return
    if existing is not None:
        mode = stat.S_IMODE(existing.st_mode)
    else:
        mask = os.umask(0)
        os.umask(mask)
        mode = 0o666 & ~mask
    with replacing(target, mode=mode, durable=True) as stream:
        stream.write(data)
