"""The license index of a whole tree, as data: every file's verdict, and counts per directory.

The index is columnar (a list of paths, a bytearray of status codes, arrays of expression ids
and tag lines, and a dict of findings for the files that have any), which keeps the 6.12 tree
(~87k files) at a few MB and makes the cache quick to load. ``Record`` objects are made on
demand. How an index is built and kept up to date (listing, reading, the cache) is ``tui.core.build``.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from typing import NamedTuple

from tui.core.catalog import Catalog
from tui.core.counting import DirCounter, DirStats, parents
from tui.core.evaluate import SOURCES, Context, Outcome, Record, effective
from tui.core.notices.notice import Notice
from tui.core.reuse.origin import Origin
from tui.core.rules import Finding
from tui.core.scan import Listing
from tui.core.status import EXCLUDED, STATUSES, UNREADABLE, UNTAGGED
from tui.core.tree import in_scope

#: Up to this many files added or removed at once are inserted in place rather than merged in one pass.
SMALL_MERGE = 64
#: Why a symlink to a directory is in ``skipped``.
DIR_LINK = "symlink to a directory: not followed"


class LicenseIndex:
    """Every file's verdict, sorted by path, with lazily computed per-directory counts.

    Columns: ``paths``, ``status`` (codes into STATUSES), ``exprs`` (the tag's expression,
    interned), ``lines`` (tag line, 0 for none) and ``findings`` (only files that have some).
    """

    def __init__(self, root: str, ctx: Context, listing: Listing | None = None) -> None:
        self.root = root
        self.ctx = ctx
        self.paths: list[str] = []
        self.status = bytearray()
        self.exprs: list[str | None] = []
        self.lines = array("I")
        self.findings: dict[str, tuple[Finding, ...]] = {}
        #: The licence notice of each file whose leading comments hold one (``tui.core.notices``).
        self.notices: dict[str, Notice] = {}
        #: In a REUSE tree, where each covered file's licensing comes from (``tui.core.reuse``).
        self.origins: dict[str, Origin] = {}
        self.method = listing.method if listing else "scandir"
        self.skipped: list[tuple[str, str]] = list(listing.skipped) if listing else []
        self.read_count = 0
        self.cached_count = 0
        self._positions: dict[str, int] | None = None
        self._dirs: dict[str, DirStats] | None = None
        #: After ``copy``, directory counts are shared with the copy: those changed since are copied first.
        self._dirs_owned: set[str] | None = None
        self._interned: dict[str | None, str | None] = {None: None}
        #: effective_columns, made on first use after a change.
        self._effective: tuple[list[str | None], bytes] | None = None
        #: The tree-relative path this index holds the files of ("" for the whole tree): files
        #: outside it are never read into it (``read``).
        self.scope = ""
        #: Waits for the cache being written meanwhile (``build_index(save_meanwhile=True)``).
        self.saved: Callable[[], object] = _nothing
        #: What the readers made of each chunk of files as they read them (``build_index``'s *chunk_report*):
        #: (that maker, its pieces in order), for as long as the index is as they left it; else None.
        self.chunk_reports: tuple[Callable[[LicenseIndex], object], list[object]] | None = None

    # Reading ---------------------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        return self.ctx.catalog

    def __len__(self) -> int:
        return len(self.paths)

    def position(self, path: str) -> int | None:
        if self._positions is None:
            self._positions = {p: i for i, p in enumerate(self.paths)}
        return self._positions.get(path)

    def record_at(self, i: int) -> Record:
        path = self.paths[i]
        expression = self.exprs[i]
        status = self.status[i]
        notice = self.notices.get(path)
        origin = self.origins.get(path) if self.origins else None
        return Record(
            path,
            STATUSES[status],
            expression,
            self.lines[i] or None,
            self.ctx.licenses(expression) if status == 0 else (),
            self.findings.get(path, ()),
            notice,
            effective(status, expression, notice, self.ctx.catalog.copying_default, origin),
            origin,
        )

    def effective_columns(self) -> tuple[list[str | None], bytes]:
        """Each file's effective licence expression (None: none) and its source (a byte: an index into
        ``evaluate.SOURCES``, 255 for none), made once per state of the index (the filters read them)."""
        if self._effective is None:
            copying = self.ctx.catalog.copying_default
            exprs: list[str | None] = list(self.exprs)
            sources = bytearray(len(exprs))  # 0: tag
            status = self.status
            for code in (EXCLUDED, UNREADABLE):
                at = status.find(code)
                while at >= 0:
                    sources[at] = 255
                    exprs[at] = None
                    at = status.find(code, at + 1)
            notices, paths = self.notices, self.paths
            if self.origins:  # a REUSE tree: each file's own source
                codes = {source: code for code, source in enumerate(SOURCES)}
                for at, path in enumerate(paths):
                    origin = self.origins.get(path)
                    if origin is None or not origin.source or exprs[at] is None:
                        sources[at] = 255
                        exprs[at] = None
                    else:
                        sources[at] = codes[origin.source]
                self._effective = (exprs, bytes(sources))
                return self._effective
            at = status.find(UNTAGGED)
            while at >= 0:
                notice = notices.get(paths[at]) if notices else None
                if notice is not None:
                    exprs[at], sources[at] = notice.expression, 1
                elif copying:
                    exprs[at], sources[at] = copying, 2
                else:
                    sources[at] = 255
                at = status.find(UNTAGGED, at + 1)
            self._effective = (exprs, bytes(sources))
        return self._effective

    def effective_at(self, i: int) -> tuple[str, str] | None:
        """The effective licence of the file at *i* and its source (``evaluate.effective``)."""
        return effective(self.status[i], self.exprs[i], self.notices.get(self.paths[i]),
                         self.ctx.catalog.copying_default, self.origins.get(self.paths[i]) if self.origins else None)

    def scoped(self, scope: str) -> LicenseIndex:
        """The files at or below *scope* (tree-relative), with their verdicts: a new index."""
        if not scope:
            return self
        new = LicenseIndex(self.root, self.ctx)
        new.method = self.method
        new.scope = scope
        keep = positions_in(self.paths, scope)
        new.paths = [self.paths[i] for i in keep]
        new.status = bytearray(self.status[i] for i in keep)
        new.exprs = [self.exprs[i] for i in keep]
        new.lines = array("I", (self.lines[i] for i in keep))
        new.findings = {path: found for path, found in self.findings.items() if in_scope(path, scope)}
        new.notices = {path: notice for path, notice in self.notices.items() if in_scope(path, scope)}
        new.origins = {path: origin for path, origin in self.origins.items() if in_scope(path, scope)}
        new.skipped = skipped_in(self.skipped, scope)
        new.read_count = min(self.read_count, len(new.paths))
        new.cached_count = min(self.cached_count, len(new.paths))
        return new

    def get(self, path: str) -> Record | None:
        i = self.position(path)
        return None if i is None else self.record_at(i)

    def verdict(self, path: str) -> str | None:
        i = self.position(path)
        return None if i is None else STATUSES[self.status[i]]

    def __iter__(self) -> Iterator[Record]:
        return (self.record_at(i) for i in range(len(self.paths)))

    def status_counts(self) -> Counter:
        return Counter({name: self.status.count(code) for code, name in enumerate(STATUSES)})

    # Directories -----------------------------------------------------------------------------

    def dirs(self) -> dict[str, DirStats]:
        """Per-directory counts ("" is the root), its sub-directories' included; computed on first use."""
        if self._dirs is None:
            counter = DirCounter()
            counter.add_columns(self.paths, self.status, self.exprs, self.findings, self.notices)
            self._dirs = counter.totals()
        return self._dirs

    def adopt_dirs(self, dirs: dict[str, DirStats]) -> None:
        """Take directory counts made as this index's verdicts arrived (``DirCounter``), rather than
        counting them again; they must be the counts of exactly these columns."""
        self._dirs = dirs
        self._dirs_owned = None

    def dir_stats(self, path: str) -> DirStats | None:
        return self.dirs().get(path)

    # Writing ---------------------------------------------------------------------------------

    def _intern(self, expression: str | None) -> str | None:
        return self._interned.setdefault(expression, expression)

    def append(self, path: str, outcome: Outcome) -> None:
        """Add a file at the end (building a sorted index in order)."""
        self._effective = None
        self.chunk_reports = None
        self.paths.append(path)
        self.status.append(outcome.status)
        self.exprs.append(self._intern(outcome.expression))
        self.lines.append(outcome.line)
        if outcome.findings:
            self.findings[path] = outcome.findings
        if outcome.notice is not None:
            self.notices[path] = outcome.notice
        if outcome.origin is not None:
            self.origins[path] = outcome.origin

    def extend(self, chunk: Chunk) -> Chunk:
        """Add a worker's chunk of consecutive files; returns what was added (an unmerged path's stages
        may straddle two chunks: its second appearance is dropped)."""
        if self.paths and chunk.paths and chunk.paths[0] == self.paths[-1]:
            chunk = Chunk(*(column[1:] for column in chunk[:5]), chunk.findings, chunk.notices, chunk.skipped,
                          chunk.origins, edited=chunk.edited)
        self._effective = None
        self.chunk_reports = None
        self.paths.extend(chunk.paths)
        self.status.extend(chunk.status)
        interned = self._interned
        distinct = {e: interned.setdefault(e, e) for e in set(chunk.exprs)}  # a chunk has a few dozen
        self.exprs.extend(map(distinct.__getitem__, chunk.exprs))
        self.lines.extend(chunk.lines)
        self.findings.update(chunk.findings)
        self.notices.update(chunk.notices)
        if chunk.origins:
            self.origins.update(chunk.origins)
        return chunk

    def sort(self, keys: list[str]) -> list[str]:
        """Sort the columns by path (after untracked files were added last); returns keys sorted."""
        self._effective = None
        self.chunk_reports = None
        order = sorted(range(len(self.paths)), key=self.paths.__getitem__)
        self.paths = [self.paths[i] for i in order]
        self.status = bytearray(self.status[i] for i in order)
        self.exprs = [self.exprs[i] for i in order]
        self.lines = array("I", (self.lines[i] for i in order))
        self._positions = None
        return [keys[i] for i in order]

    def columns(self, keys: list[str], signature: str) -> dict:
        """The cache payload."""
        return {
            "signature": signature,
            "paths": joined(self.paths),
            "keys": joined(keys),
            "status": bytes(self.status),
            "exprs": self.exprs,
            "lines": self.lines.tobytes(),
            "findings": self.findings,
            "notices": self.notices,
            "skipped": self.skipped,
            "origins": self.origins,
        }

    def load_columns(self, payload: dict) -> None:
        self.paths = split_joined(payload["paths"])
        self.status = bytearray(payload["status"])
        self.exprs = payload["exprs"]
        self.lines = array("I")
        self.lines.frombytes(payload["lines"])
        self.findings = payload["findings"]
        self.notices = payload.get("notices", {})
        self.origins = payload.get("origins", {})
        self.skipped = payload["skipped"]
        self._effective = None
        self.chunk_reports = None
        self._positions = None

    def apply(self, changes: dict[str, Outcome | None]) -> tuple[list[str], list[str]]:
        """Apply many changes at once (path -> new outcome, or None to remove).

        Updates happen in place; additions and removals rebuild the columns in one merge, so a
        storm of 10,000 changed files costs one pass, not 10,000 list insertions. Directory
        counts, once computed, are kept exact. Returns (updated or added paths, removed paths).
        """
        dirs = self._dirs
        self._effective = None
        self.chunk_reports = None
        updated: list[str] = []
        removed: list[str] = []
        added: dict[str, Outcome] = {}
        for path, outcome in changes.items():
            i = self.position(path)
            if i is not None and dirs is not None:
                was = self.notices.get(path)
                old = (self.status[i], self.exprs[i], self.findings.get(path, ()))
                for parent in parents(path):
                    self._own_dir(dirs, parent).add(*old, sign=-1, notice=was.expression if was is not None else None)
            if outcome is None:
                if i is not None:
                    removed.append(path)
                    self.findings.pop(path, None)
                    self.notices.pop(path, None)
                    self.origins.pop(path, None)
                continue
            expression = self._intern(outcome.expression)
            if dirs is not None:
                noticed = outcome.notice.expression if outcome.notice is not None else None
                for parent in parents(path):
                    self._own_dir(dirs, parent).add(outcome.status, expression, outcome.findings, notice=noticed)
            if outcome.findings:
                self.findings[path] = outcome.findings
            else:
                self.findings.pop(path, None)
            if outcome.notice is not None:
                self.notices[path] = outcome.notice
            else:
                self.notices.pop(path, None)
            if outcome.origin is not None:
                self.origins[path] = outcome.origin
            else:
                self.origins.pop(path, None)
            updated.append(path)
            if i is None:
                added[path] = outcome
            else:
                self.status[i] = outcome.status
                self.exprs[i] = expression
                self.lines[i] = outcome.line
        if added or removed:
            self._merge(added, set(removed))
            if dirs is not None:
                for path in [p for p, stats in dirs.items() if p and stats.files <= 0]:
                    del dirs[path]
        return updated, removed

    def _own_dir(self, dirs: dict[str, DirStats], path: str) -> DirStats:
        """The counts of directory *path* for changing: created if new, copied if shared with a copy."""
        stats = dirs.get(path)
        if stats is None:
            stats = dirs[path] = DirStats()
        elif self._dirs_owned is not None and path not in self._dirs_owned:
            stats = dirs[path] = stats.copy()
        if self._dirs_owned is not None:
            self._dirs_owned.add(path)
        return stats

    def copy(self) -> LicenseIndex:
        """A copy to ``apply`` changes to while other threads keep reading this one (cheap: columns are copied whole).

        Columns changed in place are copied; ``paths`` and the position table are shared, since
        ``apply`` replaces them rather than changing them; directory counts are shared by both
        until one of them changes them.
        """
        new = LicenseIndex(self.root, self.ctx)
        new.method = self.method
        new.scope = self.scope
        new.paths = self.paths
        new.status = bytearray(self.status)
        new.exprs = list(self.exprs)
        new.lines = array("I", self.lines)
        new.findings = dict(self.findings)
        new.notices = dict(self.notices)
        new.origins = dict(self.origins)
        new.skipped = list(self.skipped)
        new.read_count, new.cached_count = self.read_count, self.cached_count
        new._positions = self._positions
        new._interned = dict(self._interned)
        if self._dirs is not None:
            new._dirs = dict(self._dirs)
            new._dirs_owned, self._dirs_owned = set(), set()
        return new

    def _merge(self, added: dict[str, Outcome], removed: set[str]) -> None:
        if len(added) + len(removed) <= SMALL_MERGE:
            self._splice(added, removed)
            return
        keep = [i for i, path in enumerate(self.paths) if path not in removed] if removed else range(len(self.paths))
        rows = [(self.paths[i], self.status[i], self.exprs[i], self.lines[i]) for i in keep]
        rows.extend((p, o.status, self._intern(o.expression), o.line) for p, o in added.items())
        if added:
            rows.sort(key=lambda row: row[0])
        self.paths = [row[0] for row in rows]
        self.status = bytearray(row[1] for row in rows)
        self.exprs = [row[2] for row in rows]
        self.lines = array("I", (row[3] for row in rows))
        self._positions = None

    def note_dir_link(self, path: str, is_dir_link: bool) -> None:
        """Keep ``skipped`` as a fresh scan would list it: symlinks to directories are named, not read."""
        entry = (path, DIR_LINK)
        if is_dir_link and entry not in self.skipped:
            self.skipped.append(entry)
        elif not is_dir_link and entry in self.skipped:
            self.skipped.remove(entry)

    def _splice(self, added: dict[str, Outcome], removed: set[str]) -> None:
        """``_merge`` for a few files (an editor's save): insert and delete in place, found by bisection."""
        paths = list(self.paths)  # may be shared with a copy (``copy``); the other columns are this index's own
        status, exprs, lines = self.status, self.exprs, self.lines
        for path in removed:
            i = bisect_left(paths, path)
            if i < len(paths) and paths[i] == path:
                del paths[i], status[i], exprs[i], lines[i]
        for path, outcome in added.items():
            i = bisect_left(paths, path)
            paths.insert(i, path)
            status.insert(i, outcome.status)
            exprs.insert(i, self._intern(outcome.expression))
            lines.insert(i, outcome.line)
        self.paths = paths
        self._positions = None


class Chunk(NamedTuple):
    """A worker's answer for a run of consecutive files, column by column."""

    paths: list[str]
    keys: list[str]
    status: bytes
    exprs: list[str | None]
    lines: list[int]
    findings: dict[str, tuple[Finding, ...]]
    notices: dict[str, Notice]
    skipped: list[tuple[str, str]]
    #: A REUSE tree's origins (``LicenseIndex.origins``); empty in a kernel tree.
    origins: dict[str, Origin] = {}  # noqa: RUF012 - never changed in place
    #: What build_index's *chunk_report* made of these files in the reader (None: not asked, or dropped).
    report: object = None
    #: The files a reader found edited since git's index recorded them (``scan.Listing.stats``), gone ones too.
    edited: tuple[str, ...] = ()


def _nothing() -> None:
    """``LicenseIndex.saved`` of an index whose cache was written before it was returned (or not at all)."""


def unpacked(chunk: Chunk) -> Chunk:
    """A worker's Chunk as it travels (paths and keys joined: one string to pickle, not 4,000) -> lists."""
    return chunk._replace(paths=split_joined(chunk.paths), keys=split_joined(chunk.keys))  # type: ignore[arg-type]


def joined(strings: list[str]) -> str:
    """Many strings as one (NUL never occurs in a path or key): one object to pickle, not 87,000."""
    return "\0".join(strings)


def split_joined(joined: str) -> list[str]:
    return joined.split("\0") if joined else []


def skipped_in(skipped: list[tuple[str, str]], scope: str) -> list[tuple[str, str]]:
    """What was left out at or below *scope*, or around it (a scope inside a git submodule: the submodule)."""
    return [entry for entry in skipped if in_scope(entry[0], scope) or in_scope(scope, entry[0])]


def positions_in(paths: list[str], scope: str) -> list[int]:
    """The positions of the paths at or below *scope* (``tree.in_scope``, inlined: 87,000 paths)."""
    below = scope + "/"
    return [i for i, path in enumerate(paths) if path.startswith(below) or path == scope]
