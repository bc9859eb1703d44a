"""Read the first lines of one file for display, safely and without writing.

FIFOs, sockets and devices are never opened, symlinks are followed only when they stay inside the
tree, and at most a bounded number of bytes is read, so the UI can show a file's head at any time.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from tui.core.report import printable

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a directory",
}
HEAD_LINES = 40
MAX_BYTES = 1 << 20


def read_start(root: str, rel: str, limit: int) -> tuple[bytes | None, str | None]:
    """Up to *limit* bytes from the start of *rel* under *root*: (data, None) or (None, why not)."""
    path = os.path.join(root, rel)
    flags = _OPEN_FLAGS
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            real_root = os.path.realpath(root)
            real = os.path.realpath(path)
            if not (real == real_root or real.startswith(real_root + os.sep)):
                return None, "symlink to outside the tree: not followed"
            st = os.stat(path)
        else:
            flags |= _NOFOLLOW
        if not stat.S_ISREG(st.st_mode):
            return None, f"{_KINDS.get(stat.S_IFMT(st.st_mode), 'not a regular file')}: not opened"
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None, "no longer exists"
    except OSError as exc:
        return None, f"cannot open: {exc.strerror or exc}"
    try:
        chunks = []
        remaining = limit
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks), None
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class Head:
    """The first lines of a file, made printable: tabs expanded, control characters shown as escapes.

    ``lines`` maps each line number read (1-based) to its text: lines 1..HEAD_LINES, plus a few
    lines around each line asked for (a finding deep in the file).
    """

    lines: dict[int, str]
    binary: bool = False
    error: str | None = None
    more: bool = False


def read_head(root: str, rel: str, head_lines: int = HEAD_LINES, around: tuple[int, ...] = ()) -> Head:
    """The head of *rel* (and the lines around each line in *around*), for display only."""
    wanted = max([head_lines, *(line + 2 for line in around)])
    limit = min(MAX_BYTES, max(16384, wanted * 200))
    data, error = read_start(root, rel, limit)
    if data is None:
        return Head({}, error=error)
    if b"\0" in data[:8192]:
        return Head({}, binary=True)
    truncated = len(data) >= limit
    raw_lines = data.split(b"\n")
    if truncated or raw_lines[-1] == b"":
        raw_lines.pop()  # a partial last line, or the empty string after the final newline
    complete = len(raw_lines)
    keep = set(range(1, head_lines + 1))
    for line in around:
        keep.update(range(max(1, line - 2), line + 3))
    lines: dict[int, str] = {}
    for number in sorted(keep):
        if number > complete:
            break
        text = raw_lines[number - 1].rstrip(b"\r").decode("utf-8", "surrogateescape")
        lines[number] = printable(text.expandtabs(8))
    last = max(lines, default=0)
    return Head(lines, more=truncated or complete > last)
