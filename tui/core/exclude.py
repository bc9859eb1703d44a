"""scripts/spdxexclude: the files the kernel's checker skips, matched exactly as spdxcheck.py does."""

from __future__ import annotations

import fnmatch
import hashlib
import re
from bisect import bisect_right
from itertools import accumulate

from tui.core.catalog import read_tree_file

EXCLUDE_FILE = "scripts/spdxexclude"


def _glob(pattern: str) -> str:
    """fnmatch's regex for *pattern*, without its ``(?s:`` ... ``)\\Z`` wrapper."""
    translated = fnmatch.translate(pattern)
    return translated[4:-3] if translated.startswith("(?s:") and translated.endswith(")\\Z") else translated


def _has_wildcard(pattern: str) -> bool:
    return any(char in pattern for char in "*?[")


def _longest_literal(pattern: str) -> str:
    """The longest run of *pattern* with no wildcard: text every fnmatch match of it contains (all of
    it before a ``[``, whose classes are not worth telling apart here)."""
    return max(re.split(r"[*?]", pattern.partition("[")[0]), key=len)


class ExcludeRules:
    """The patterns of one spdxexclude file; ``excluded(path)`` answers for a tree-relative path.

    spdxcheck.py tries each pattern in turn (~6 us a file on the kernel). Here the directory
    patterns are one regex matched against a file's directory, once for a run of files in the same
    directory (the scan goes in path order); prefixes are one ``str.startswith``, whole paths and
    plain names set lookups.
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
        self._paths: set[str] = set()
        directories: list[str] = []
        prefixes: list[str] = []
        globs: list[str] = []
        for line in self.patterns:
            if line == ".*":
                self._dot = True
            elif line.endswith("/"):
                pattern = line[:-1]
                directories.append(_glob(pattern))  # fnmatch(dirname(path), pattern)
                prefixes.append(pattern)  # or path.startswith(pattern)
            elif line.startswith("/"):
                if _has_wildcard(line):
                    globs.append(_glob(line[1:]))  # fnmatch(path, pattern)
                else:
                    self._paths.add(line[1:])
            else:
                self._names.add(line)
        self._directories = re.compile(rf"(?:{'|'.join(directories)})\Z", re.S) if directories else None
        self._prefixes = tuple(prefixes)
        self._globs = re.compile(rf"(?:{'|'.join(globs)})\Z", re.S) if globs else None
        #: The last directory asked about and its answer, as one tuple (threads may share the rules).
        self._last: tuple[str | None, bool] = (None, False)
        #: Text every excluded path contains, one list a pattern ("\0" marks where a path starts and ends
        #: in excluded_among's joined paths); None: a pattern can match any path, so each one is asked about.
        needles: list[str] | None = []
        for line in self.patterns:
            if line == ".*":
                needles += ["\0.", "/."]
            elif line.endswith("/"):  # fnmatch(dirname, P) or startswith(P)
                needles += [_longest_literal(line[:-1]), "\0" + line[:-1]]
            elif line.startswith("/"):  # fnmatch(path, P)
                needles.append(_longest_literal(line[1:]) if _has_wildcard(line) else f"\0{line[1:]}\0")
            else:  # basename == P
                needles += ["/" + line + "\0", "\0" + line + "\0"]
            if not all(needles):
                needles = None
                break
        self._needles = needles

    @classmethod
    def load(cls, root: str) -> ExcludeRules:
        data, _error = read_tree_file(root, EXCLUDE_FILE, 1 << 20)  # the scan reports a file it cannot read
        if data is None:
            return cls()
        return cls(data.decode("utf-8", errors="replace").splitlines())

    def excluded(self, path: str) -> bool:
        slash = path.rfind("/")
        if self._directories is not None:
            directory = path[:slash] if slash >= 0 else ""
            last = self._last
            if last[0] == directory:
                hit = last[1]
            else:
                hit = self._directories.match(directory) is not None
                self._last = (directory, hit)
            if hit:
                return True
        if self._prefixes and path.startswith(self._prefixes):
            return True
        if path in self._paths or (self._globs is not None and self._globs.match(path) is not None):
            return True
        if self._names or self._dot:
            name = path[slash + 1 :]
            return name in self._names or (self._dot and name.startswith("."))
        return False

    def excluded_among(self, paths: list[str]) -> list[bool]:
        """``excluded`` for each of *paths*, asking only about those that contain some pattern's literal
        text (searched for in all the paths joined): most of a kernel's files are never looked at one by one."""
        if not self.patterns:
            return [False] * len(paths)
        if self._needles is None:
            return [self.excluded(path) for path in paths]
        joined = "\0" + "\0".join(paths) + "\0"
        candidates: set[int] = set()
        starts: list[int] | None = None
        for needle in self._needles:
            at = joined.find(needle)
            while at >= 0:
                if starts is None:  # where each path's "\0" is: found once, and only if needed
                    starts = [0, *accumulate(len(path) + 1 for path in paths)]
                candidates.add(bisect_right(starts, at) - 1)  # the path that holds the text (or starts there)
                at = joined.find(needle, at + 1)
        answer = [False] * len(paths)
        for i in candidates:
            if i < len(paths):
                answer[i] = self.excluded(paths[i])
        return answer
