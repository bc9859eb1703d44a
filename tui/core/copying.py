"""Which license files apply to a path: the tree's top-level COPYING (the default for untagged
files) and any nearer COPYING / LICENSE / LICENCE file in an enclosing directory.

Linux 6.12 has a few such nearer files (tools/usb/usbip/COPYING, fs/jffs2/LICENCE,
drivers/net/wireless/marvell/libertas/LICENSE); a reviewer wants to see them next to a file's tag.
Nothing here writes; a file is read only as far as its first few KiB.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tui.core.catalog import Catalog
from tui.core.preview import read_start

#: COPYING, LICENSE or LICENCE in capitals, alone or with a suffix (COPYING.LIB, LICENSE.SRC,
#: COPYING-logo); lower-case names such as license-rules.rst or license.h are ordinary files.
LICENSE_FILE_RE = re.compile(r"^(?:COPYING|LICEN[CS]E)(?:[.\-_][^/]*)?$")
_SPDX_RE = re.compile(r"SPDX-License-Identifier:\s*(.+?)\s*(?:\*/|-->)?\s*$", re.MULTILINE)
_READ_BYTES = 4096


def is_license_file(path: str) -> bool:
    """Whether the file's name makes it a COPYING/LICENSE/LICENCE file."""
    return LICENSE_FILE_RE.match(path.rpartition("/")[2]) is not None


def license_files(paths: Iterable[str]) -> dict[str, list[str]]:
    """Directory ("" for the top) -> the license files directly in it, in path order."""
    found: dict[str, list[str]] = {}
    for path in paths:
        directory, _slash, name = path.rpartition("/")
        if LICENSE_FILE_RE.match(name):
            found.setdefault(directory, []).append(path)
    return found


@dataclass(frozen=True, slots=True)
class LicenseFile:
    """One license file that applies to a path, and what it says in brief."""

    path: str
    directory: str
    top_level: bool
    #: The expression it declares: its own SPDX tag, or for the top-level file the catalog's default.
    expression: str | None
    #: The first lines of its text, whitespace collapsed (for a file without a tag).
    excerpt: str


def applicable(
    root: str, path: str, files_by_dir: dict[str, list[str]], catalog: Catalog | None = None
) -> list[LicenseFile]:
    """The license files that apply to *path* (a file or directory): the top level first, nearest last.

    The top-level file is the catalog's COPYING (whose default covers untagged files); the others
    are the license files in each directory enclosing *path*.
    """
    out: list[LicenseFile] = []
    top_path = catalog.copying_path if catalog is not None else None
    if top_path:
        expression, excerpt = describe(root, top_path)
        out.append(LicenseFile(top_path, "", True, catalog.copying_default or expression, excerpt))
    parts = path.split("/")
    directories = ["/".join(parts[:i]) for i in range(len(parts))]
    for directory in directories:
        for candidate in files_by_dir.get(directory, ()):
            if candidate == top_path or candidate == path:
                continue
            expression, excerpt = describe(root, candidate)
            out.append(LicenseFile(candidate, directory, False, expression, excerpt))
    return out


def describe(root: str, rel: str) -> tuple[str | None, str]:
    """A license file's SPDX expression (if it has a tag) and the start of its text, read safely."""
    data, _error = read_start(root, rel, _READ_BYTES)
    if data is None:
        return None, ""
    text = data.decode("utf-8", "replace")
    match = _SPDX_RE.search(text)
    lines = [line.strip() for line in text.splitlines()]
    words = " ".join(line for line in lines[:12] if line)
    excerpt = re.sub(r"\s+", " ", words)
    if len(excerpt) > 200:
        excerpt = excerpt[:199].rstrip() + "…"
    return (match.group(1) if match else None), excerpt
