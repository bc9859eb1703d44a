"""Rows of the tree pane, their glyphs, and the path arithmetic they rest on, shared by the tree model (``model``)
and the filter's narrowing (``narrow``): what a row is, the guide characters, the display order,
and the children of a directory in a sorted list of paths. No Textual import.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import NamedTuple

from tui.core.counting import parents
from tui.core.rules import Finding
from tui.core.status import Status

DIR, FILE = 0, 1
AFTER_SLASH = chr(ord("/") + 1)  # "d/" + anything sorts before "d" + AFTER_SLASH
BRANCH, LAST, PIPE, SPACE = "├─ ", "└─ ", "│  ", "   "
PAST = (2, "")  # sorts after every part of a display key: the end of a directory's rows


class Row(NamedTuple):
    """One visible line: a directory ("" is the root) or a file, its depth and its guide characters."""

    kind: int
    key: str
    depth: int
    guide: str

    @property
    def name(self) -> str:
        return self.key.rpartition("/")[2]


def parent_of(path: str) -> str:
    return path.rpartition("/")[0]


#: "a/b/c" -> "", "a", "a/b": the directories enclosing a path (the core's ``parents``).
ancestors = parents


def display_key(path: str, is_dir: bool) -> tuple:
    """Sort key that puts paths in the order the tree shows them: directories first, then files."""
    parts = path.split("/") if path else []
    key = [(0, part) for part in parts[:-1]]
    if parts:
        key.append((0 if is_dir else 1, parts[-1]))
    return tuple(key)


def children_of(paths: Sequence[str], directory: str, mask: bytearray | None = None) -> tuple[list[str], list[str]]:
    """(sub-directories, files) directly in *directory* of the sorted *paths*, each sorted by name;
    with *mask*, only files whose byte is 1 and directories holding one."""
    prefix = f"{directory}/" if directory else ""
    lo = bisect_left(paths, prefix) if prefix else 0
    hi = bisect_left(paths, directory + AFTER_SLASH, lo) if prefix else len(paths)
    start = len(prefix)
    dirs: list[str] = []
    files: list[str] = []
    i = lo
    while i < hi:
        path = paths[i]
        slash = path.find("/", start)
        if slash == -1:
            if mask is None or mask[i]:
                files.append(path)
            i += 1
        else:
            sub = path[:slash]
            after = bisect_left(paths, sub + AFTER_SLASH, i + 1, hi)
            if mask is None or mask.find(1, i, after) != -1:
                dirs.append(sub)
            i = after
    dirs.sort()
    return dirs, files


class Glyph(NamedTuple):
    """A status mark: the character, the palette key of its colour, and what it means."""

    char: str
    key: str
    meaning: str


GLYPH_VALID = Glyph("✓", "valid", "valid SPDX tag")
GLYPH_FINDINGS = Glyph("!", "findings", "valid tag, but with findings (warnings)")
GLYPH_ERROR = Glyph("✗", "invalid", "invalid tag, or a finding of error severity")
GLYPH_UNTAGGED = Glyph("○", "untagged", "no SPDX tag: the COPYING default applies (or ¶ its notice's licence)")
#: Before a licence read from a file's notice (the boilerplate of its leading comment), never from a
#: tag; the licence is in its colour and in italics too (``LicenseTree``, the help screen's legend).
NOTICE_MARK = "¶"
GLYPH_UNREADABLE = Glyph("?", "unreadable", "could not be read")
GLYPH_EXCLUDED = Glyph("–", "excluded", "excluded by scripts/spdxexclude")
GLYPH_PENDING = Glyph("·", "pending", "not read yet")
GLYPHS = (GLYPH_VALID, GLYPH_FINDINGS, GLYPH_ERROR, GLYPH_UNTAGGED, GLYPH_UNREADABLE, GLYPH_EXCLUDED, GLYPH_PENDING)
#: The glyph of each status, before findings are looked at (``glyph_for`` looks at them).
STATUS_GLYPHS = {Status.VALID: GLYPH_VALID, Status.UNTAGGED: GLYPH_UNTAGGED, Status.INVALID: GLYPH_ERROR,
                 Status.UNREADABLE: GLYPH_UNREADABLE, Status.EXCLUDED: GLYPH_EXCLUDED}


def glyph_for(status: int, findings: tuple[Finding, ...]) -> Glyph:
    """The glyph of one file's verdict: an error finding makes it ✗, any other finding !."""
    if status == Status.UNREADABLE:
        return GLYPH_UNREADABLE
    if status == Status.INVALID or any(f.severity == "error" for f in findings):
        return GLYPH_ERROR
    if status in (Status.EXCLUDED, Status.UNTAGGED):
        return STATUS_GLYPHS[Status(status)]
    return GLYPH_FINDINGS if findings else GLYPH_VALID
