"""What the UI knows about each file while the index fills in, and after.

Verdicts arrive in batches from ``build_index``'s progress callback (kept in ``pending``) until
the finished ``LicenseIndex`` replaces them. No Textual import (the glyphs for each verdict are in tui.ui.rows).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import NamedTuple

from tui.core.copying import is_license_file, license_files
from tui.core.counting import DirStats, is_problem
from tui.core.evaluate import Outcome
from tui.core.index import LicenseIndex
from tui.core.notices.notice import Notice
from tui.core.reuse.origin import Origin
from tui.core.rules import Finding
from tui.core.status import STATUSES
from tui.ui.rows import display_key


class FileState(NamedTuple):
    """One file's verdict as the UI shows it: the fields of an ``Outcome``, the notice among them."""

    status: int
    expression: str | None
    line: int
    findings: tuple[Finding, ...]
    #: The licence notice of the file's leading comments, when it has one (``tui.core.notices``).
    notice: Notice | None = None
    #: In a REUSE tree, where its licensing comes from (``tui.core.reuse``).
    origin: Origin | None = None

    @property
    def status_name(self) -> str:
        return STATUSES[self.status]


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
        return FileState(index.status[i], index.exprs[i], index.lines[i], index.findings.get(path, ()),
                         index.notices.get(path) if index.notices else None,
                         index.origins.get(path) if index.origins else None)

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
