"""What the UI knows about each file while the index fills in, and after.

Verdicts arrive in batches from ``build_index``'s progress callback (kept in ``pending``) until
the finished ``LicenseIndex`` replaces them. The glyphs that stand for each verdict live here too,
so the tree, the detail pane and the help screen agree. No Textual import.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

from tui.core.copying import is_license_file, license_files
from tui.core.evaluate import EXCLUDED, INVALID, STATUSES, UNREADABLE, UNTAGGED, Outcome
from tui.core.index import DirStats, LicenseIndex, is_problem
from tui.core.rules import Finding
from tui.ui.model import display_key


class Glyph(NamedTuple):
    """A status mark: the character, the palette key of its colour, and what it means."""

    char: str
    key: str
    meaning: str


VALID = Glyph("✓", "valid", "valid SPDX tag")
FINDINGS = Glyph("!", "findings", "valid tag, but with findings (warnings)")
ERROR = Glyph("✗", "invalid", "invalid tag, or a finding of error severity")
UNTAGGED_GLYPH = Glyph("○", "untagged", "no SPDX tag: the COPYING default applies")
UNREADABLE_GLYPH = Glyph("?", "unreadable", "could not be read")
EXCLUDED_GLYPH = Glyph("–", "excluded", "excluded by scripts/spdxexclude")
PENDING = Glyph("·", "pending", "not read yet")
GLYPHS = (VALID, FINDINGS, ERROR, UNTAGGED_GLYPH, UNREADABLE_GLYPH, EXCLUDED_GLYPH, PENDING)


def glyph_for(status: int, findings: tuple[Finding, ...]) -> Glyph:
    """The glyph of one file's verdict."""
    if status == UNREADABLE:
        return UNREADABLE_GLYPH
    if status == INVALID or any(f.severity == "error" for f in findings):
        return ERROR
    if status == EXCLUDED:
        return EXCLUDED_GLYPH
    if status == UNTAGGED:
        return UNTAGGED_GLYPH
    return FINDINGS if findings else VALID


class FileState(NamedTuple):
    status: int
    expression: str | None
    line: int
    findings: tuple[Finding, ...]

    @property
    def status_name(self) -> str:
        return STATUSES[self.status]


class DirCounter:
    """Directory counts added up batch by batch as verdicts arrive, so that they are complete as soon as
    the last file is read (``LicenseIndex.dirs`` would take another ~0.2 s on a kernel tree then).

    The counts are ``DirStats``, added to with the core's own ``DirStats.add``/``merge``: the same
    as ``LicenseIndex.dirs()`` gives for the same verdicts.
    """

    def __init__(self) -> None:
        self._own: dict[str, DirStats] = {}
        #: Files counted so far.
        self.files = 0

    def add(self, batch: Sequence[tuple[str, Outcome]]) -> None:
        """Count a batch of (path, outcome) in each file's own directory."""
        alike = Counter([(path.rpartition("/")[0], outcome[0], outcome[1], outcome[3]) for path, outcome in batch])
        for (directory, status, expression, findings), count in alike.items():
            self._stats(directory).add(status, expression, findings, count)  # *count* files alike, in one update
        self.files += len(batch)

    def add_columns(self, paths: Sequence[str], statuses: Sequence[int], exprs: Sequence[str | None],
                    findings: dict[str, tuple[Finding, ...]]) -> None:
        """Count a whole index's columns (a cached index arrives in one piece, without batches)."""
        parents = map(itemgetter(0), map(str.rpartition, paths, repeat("/")))
        self._add_plain(Counter(zip(parents, statuses, exprs)))
        positions = {path: i for i, path in enumerate(paths)} if findings else {}
        for path, found in findings.items():
            i = positions.get(path)
            if i is not None and found:
                self._with_findings(path, statuses[i], exprs[i], found)

    def _with_findings(self, path: str, status: int, expression: str | None, findings: tuple[Finding, ...]) -> None:
        """A file counted as one without findings has these: counted again, with them."""
        stats = self._stats(path.rpartition("/")[0])
        stats.add(status, expression, (), -1)
        stats.add(status, expression, findings)

    def _add_plain(self, plain: Counter[tuple[str, int, str | None]]) -> None:
        for (directory, status, expression), count in plain.items():
            self._stats(directory).add(status, expression, (), count)  # *count* files alike, in one update
            self.files += count

    def _stats(self, directory: str) -> DirStats:
        stats = self._own.get(directory)
        if stats is None:
            stats = self._own[directory] = DirStats()
        return stats

    def totals(self) -> dict[str, DirStats]:
        """Every directory's counts, its sub-directories' included ("" is the root). The counter is
        used up: its per-directory counts become the totals, rather than being copied."""
        dirs, self._own = self._own, {}
        for directory in list(dirs):
            directory = directory.rpartition("/")[0] if directory else None
            while directory is not None and directory not in dirs:
                dirs[directory] = DirStats()
                directory = directory.rpartition("/")[0] if directory else None
        dirs.setdefault("", DirStats())
        for directory in sorted(dirs, key=lambda d: d.count("/") if d else -1, reverse=True):
            if directory:  # deepest first: each adds its complete counts to its parent
                dirs[directory.rpartition("/")[0]].merge(dirs[directory])
        return dirs


class TreeData:
    """Verdicts by path: from progress batches while indexing, then from the finished index."""

    def __init__(self) -> None:
        self.pending: dict[str, Outcome] = {}
        self.index: LicenseIndex | None = None
        self.counted = False
        #: Directory counts made as the verdicts arrived, shown until the index's own are computed.
        self._early_dirs: dict[str, DirStats] | None = None
        self.done = 0
        self.total = 0
        self.generation = 0
        self._problems: list[tuple[tuple, str]] | None = None
        self._with_findings: list[tuple[tuple, str]] | None = None
        self._license_files: dict[str, list[str]] | None = None

    @property
    def ready(self) -> bool:
        """The index is built and its directory counts are computed."""
        return self.index is not None and self.counted

    def add_batch(self, batch: Iterable[tuple[str, Outcome]], done: int, total: int) -> None:
        self.pending.update(batch)
        self.done, self.total = done, total
        self.generation += 1

    def set_index(self, index: LicenseIndex, dirs: dict[str, DirStats] | None = None) -> None:
        """Switch to the finished index; its directory counts come with ``set_counted``, and until then
        *dirs* (the same counts, made as the verdicts arrived) are shown."""
        self.index = index
        self.counted = False
        self._early_dirs = dirs
        self.pending = {}
        self.done = self.total = len(index)
        self._problems = None
        self._with_findings = None
        self._license_files = None
        self.generation += 1

    def replace_index(self, index: LicenseIndex, came_and_went: Iterable[str] = ()) -> LicenseIndex | None:
        """Files changed on disk: *index* (with its directory counts) replaces the current one, which
        is returned (for the caller to let go of elsewhere: freeing 87k files' columns takes a while).

        *came_and_went*: the files added and removed; the map of COPYING files is kept unless one is among them.
        """
        if any(is_license_file(path) for path in came_and_went):
            self._license_files = None
        old, self.index = self.index, index
        self._early_dirs = None
        self._problems = None
        self.generation += 1
        return old

    def file(self, path: str) -> FileState | None:
        index = self.index
        if index is None:
            outcome = self.pending.get(path)
            return FileState(*outcome) if outcome is not None else None
        paths = index.paths
        i = bisect_left(paths, path)  # not index.position: its map of 87k paths need not exist yet
        if i == len(paths) or paths[i] != path:
            return None
        return FileState(index.status[i], index.exprs[i], index.lines[i], index.findings.get(path, ()))

    def index_changed(self) -> None:
        """The index was updated in place (``LicenseIndex.refresh``, e.g. by a file watcher)."""
        self._problems = None
        self._license_files = None
        self.generation += 1

    def set_counted(self) -> None:
        """The index's directory counts are computed (in the worker, so never on the UI thread)."""
        self.counted = True
        self._early_dirs = None
        self.generation += 1

    @property
    def counts_shown(self) -> bool:
        """Every directory's counts are known (the index's own, or those made as verdicts arrived)."""
        return self.ready or (self.index is not None and self._early_dirs is not None)

    def directory(self, path: str) -> DirStats | None:
        if self.index is None:
            return None
        if self.counted:
            return self.index.dir_stats(path)
        return self._early_dirs.get(path) if self._early_dirs is not None else None

    def license_files(self) -> dict[str, list[str]]:
        """Directory -> its COPYING/LICENSE/LICENCE files (computed once the index is there)."""
        if self._license_files is None:
            self._license_files = license_files(self.index.paths) if self.index is not None else {}
        return self._license_files

    def problems(self) -> list[tuple[tuple, str]]:
        """(display key, path) of every problem file (the core's definition), in tree order."""
        if self._problems is None:
            index = self.index
            found: list[str] = []
            if index is not None:
                for path, findings in index.findings.items():
                    i = index.position(path)
                    if i is not None and is_problem(index.status[i], findings):
                        found.append(path)
            self._problems = sorted((display_key(p, False), p) for p in found)
        return self._problems

    def with_findings(self) -> list[tuple[tuple, str]]:
        """(display key, path) of every file with a finding of any severity, in tree order."""
        if self._with_findings is None:
            found = self.index.findings if self.index is not None else {}
            self._with_findings = sorted((display_key(p, False), p) for p, fs in found.items() if fs)
        return self._with_findings
