"""scripts/spdxexclude: the files the kernel's checker skips, matched exactly as spdxcheck.py does."""

from __future__ import annotations

import fnmatch
import hashlib
import re

from tui.core.catalog import read_tree_file

EXCLUDE_FILE = "scripts/spdxexclude"


def _glob(pattern: str) -> str:
    """fnmatch's regex for *pattern*, without its ``(?s:`` ... ``)\\Z`` wrapper."""
    translated = fnmatch.translate(pattern)
    return translated[4:-3] if translated.startswith("(?s:") and translated.endswith(")\\Z") else translated


class ExcludeRules:
    """The patterns of one spdxexclude file; ``excluded(path)`` answers for a tree-relative path.

    spdxcheck.py tries each pattern in turn (~6 us a file on the kernel); here all patterns that
    look at the whole path are one compiled regex and plain names a set lookup.
    """

    def __init__(self, lines: list[str] | None = None) -> None:
        self.patterns: list[str] = []
        for raw in lines or []:
            line = raw.strip()
            if line and not line.startswith("#"):
                self.patterns.append(line)
        self.fingerprint = hashlib.sha1("\n".join(self.patterns).encode("utf-8", "surrogateescape")).hexdigest()
        self._names: set[str] = set()
        self._dot = False
        parts: list[str] = []
        for line in self.patterns:
            if line == ".*":
                self._dot = True
            elif line.endswith("/"):
                pattern = line[:-1]
                parts.append(rf"(?:{_glob(pattern)})/[^/]*\Z")  # fnmatch(dirname(path), pattern)
                parts.append(re.escape(pattern))  # or path.startswith(pattern)
            elif line.startswith("/"):
                parts.append(rf"(?:{_glob(line[1:])})\Z")
            else:
                self._names.add(line)
        self._regex = re.compile("|".join(parts), re.S) if parts else None

    @classmethod
    def load(cls, root: str) -> ExcludeRules:
        data, _error = read_tree_file(root, EXCLUDE_FILE, 1 << 20)  # the scan reports a file it cannot read
        if data is None:
            return cls()
        return cls(data.decode("utf-8", errors="replace").splitlines())

    def excluded(self, path: str) -> bool:
        if self._regex is not None and self._regex.match(path) is not None:
            return True
        if self._names or self._dot:
            name = path.rpartition("/")[2]
            return name in self._names or (self._dot and name.startswith("."))
        return False
