"""The license index of a whole tree: every file's verdict, and counts per directory.

The index is columnar (a list of paths, a bytearray of status codes, arrays of expression ids
and tag lines, and a dict of findings for the files that have any), which keeps the 6.12 tree
(~87k files) at a few MB and makes the cache quick to load. ``Record`` objects are made on
demand.
"""

from __future__ import annotations

import gc
import os
import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from operator import itemgetter
from typing import NamedTuple

from tui.core import cache as cache_mod
from tui.core import readers
from tui.core import scan as scan_mod
from tui.core.catalog import Catalog
from tui.core.counting import DirCounter, DirStats, parents
from tui.core.evaluate import Context, Outcome, Record
from tui.core.exclude import EXCLUDE_FILE
from tui.core.rules import Finding
from tui.core.scan import SYMLINK_RECORD, VANISHED, Listing, parse_git, read_facts, start_listing, stat_key
from tui.core.status import INVALID, STATUSES, UNTAGGED
from tui.core.tree import in_scope

#: Up to this many files added or removed at once are inserted in place rather than merged in one pass.
SMALL_MERGE = 64
#: Below this many files to read, a process pool costs more than it saves.
POOL_THRESHOLD = 4000
CHUNK = 1000
#: Files the C reader takes at once: what it works out for one batch is shared with the next.
READ_BATCH = 128

#: Why a symlink to a directory is in ``skipped``.
DIR_LINK = "symlink to a directory: not followed"
#: The signature a cache saved by a scoped run goes with: never a listing's, so its verdicts are
#: reused file by file (by key), never trusted wholesale.
PARTIAL_SIGNATURE = "partial"
#: progress(batch, done, total): called with each batch of (path, outcome) as files are read.
ProgressFn = Callable[[list[tuple[str, Outcome]], int, int], None]


class TreeError(Exception):
    """The root cannot be indexed (missing, not a directory, unreadable): a one-line message."""


def check_root(root: str) -> str:
    """The absolute path of *root*, or TreeError with a plain sentence."""
    path = os.path.abspath(root)
    if not os.path.exists(path):
        raise TreeError(f"{root}: no such file or directory")
    if not os.path.isdir(path):
        raise TreeError(f"{root}: not a directory")
    try:
        os.scandir(path).close()
    except OSError as exc:
        raise TreeError(f"{root}: cannot read: {exc.strerror or exc}") from None
    return path


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
        self.method = listing.method if listing else "scandir"
        self.skipped: list[tuple[str, str]] = list(listing.skipped) if listing else []
        self.read_count = 0
        self.cached_count = 0
        self._positions: dict[str, int] | None = None
        self._dirs: dict[str, DirStats] | None = None
        #: After ``copy``, directory counts are shared with the copy: those changed since are copied first.
        self._dirs_owned: set[str] | None = None
        self._interned: dict[str | None, str | None] = {None: None}
        #: What ``build_index``'s *remember* derived from this index (a report, say), saved with the
        #: cache and loaded with it; any later change to the index drops it.
        self.extras: dict[str, object] = {}
        #: The tree-relative path this index holds the files of ("" for the whole tree): files
        #: outside it are never read into it (``read``).
        self.scope = ""

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
        return Record(
            path,
            STATUSES[status],
            expression,
            self.lines[i] or None,
            self.ctx.licenses(expression) if status == 0 else (),
            self.findings.get(path, ()),
        )

    def scoped(self, scope: str) -> LicenseIndex:
        """The files at or below *scope* (tree-relative), with their verdicts: a new index."""
        if not scope:
            return self
        new = LicenseIndex(self.root, self.ctx)
        new.method = self.method
        new.scope = scope
        keep = _positions_in(self.paths, scope)
        new.paths = [self.paths[i] for i in keep]
        new.status = bytearray(self.status[i] for i in keep)
        new.exprs = [self.exprs[i] for i in keep]
        new.lines = array("I", (self.lines[i] for i in keep))
        new.findings = {path: found for path, found in self.findings.items() if in_scope(path, scope)}
        new.skipped = _skipped_in(self.skipped, scope)
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
            counter.add_columns(self.paths, self.status, self.exprs, self.findings)
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
        self.paths.append(path)
        self.status.append(outcome.status)
        self.exprs.append(self._intern(outcome.expression))
        self.lines.append(outcome.line)
        if outcome.findings:
            self.findings[path] = outcome.findings

    def extend(self, chunk: Chunk) -> Chunk:
        """Add a worker's chunk of consecutive files; returns what was added (an unmerged path's stages
        may straddle two chunks: its second appearance is dropped)."""
        if self.paths and chunk.paths and chunk.paths[0] == self.paths[-1]:
            chunk = Chunk(*(column[1:] for column in chunk[:5]), chunk.findings, chunk.skipped)
        self.paths.extend(chunk.paths)
        self.status.extend(chunk.status)
        interned = self._interned
        distinct = {e: interned.setdefault(e, e) for e in set(chunk.exprs)}  # a chunk has a few dozen
        self.exprs.extend(map(distinct.__getitem__, chunk.exprs))
        self.lines.extend(chunk.lines)
        self.findings.update(chunk.findings)
        return chunk

    def sort(self, keys: list[str]) -> list[str]:
        """Sort the columns by path (after untracked files were added last); returns keys sorted."""
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
            "paths": _joined(self.paths),
            "keys": _joined(keys),
            "status": bytes(self.status),
            "exprs": self.exprs,
            "lines": self.lines.tobytes(),
            "findings": self.findings,
            "skipped": self.skipped,
            "extras": self.extras,
        }

    def load_columns(self, payload: dict) -> None:
        self.paths = _split(payload["paths"])
        self.status = bytearray(payload["status"])
        self.exprs = payload["exprs"]
        self.lines = array("I")
        self.lines.frombytes(payload["lines"])
        self.findings = payload["findings"]
        self.skipped = payload["skipped"]
        self.extras = payload["extras"]
        self._positions = None

    def apply(self, changes: dict[str, Outcome | None]) -> tuple[list[str], list[str]]:
        """Apply many changes at once (path -> new outcome, or None to remove).

        Updates happen in place; additions and removals rebuild the columns in one merge, so a
        storm of 10,000 changed files costs one pass, not 10,000 list insertions. Directory
        counts, once computed, are kept exact. Returns (updated or added paths, removed paths).
        """
        self.extras = {}
        dirs = self._dirs
        updated: list[str] = []
        removed: list[str] = []
        added: dict[str, Outcome] = {}
        for path, outcome in changes.items():
            i = self.position(path)
            if i is not None and dirs is not None:
                old = (self.status[i], self.exprs[i], self.findings.get(path, ()))
                for parent in parents(path):
                    self._own_dir(dirs, parent).add(*old, sign=-1)
            if outcome is None:
                if i is not None:
                    removed.append(path)
                    self.findings.pop(path, None)
                continue
            expression = self._intern(outcome.expression)
            if dirs is not None:
                for parent in parents(path):
                    self._own_dir(dirs, parent).add(outcome.status, expression, outcome.findings)
            if outcome.findings:
                self.findings[path] = outcome.findings
            else:
                self.findings.pop(path, None)
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
        """A copy to ``apply`` changes to while other threads keep reading this one (1 ms on 6.12).

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

    def _note_dir_link(self, path: str, is_dir_link: bool) -> None:
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

    def read(self, paths: Iterable[str], workers: int | None = None) -> dict[str, Outcome | None]:
        """Read *paths* from disk again: path -> outcome, or None when it is no longer a file.

        Nothing is changed in the index; pass the result to ``apply``.
        """
        out: dict[str, Outcome | None] = {}
        todo: list[str] = []
        for path in dict.fromkeys(paths):
            if not in_scope(path, self.scope):
                continue  # outside the files this index holds
            full = os.path.join(self.root, path)
            self._note_dir_link(path, os.path.islink(full) and os.path.isdir(full))
            if not os.path.lexists(full) or os.path.isdir(full):  # a symlink to a directory is not followed
                out[path] = None
            else:
                todo.append(path)
        parts = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
        jobs = [("paths", part, [""] * len(part), set()) for part in parts]
        for chunk in _run_jobs(self.ctx, jobs, workers, len(todo)):
            out.update(zip(chunk.paths, _outcomes(chunk)))
        for path in todo:
            out.setdefault(path, None)  # vanished while being read
        return out

    def refresh(self, paths: Iterable[str], workers: int | None = None) -> tuple[list[str], list[str]]:
        """Re-read *paths* (tree-relative) from disk and apply; returns (updated, removed)."""
        return self.apply(self.read(paths, workers))

    def reload_context(self) -> set[str]:
        """Re-read LICENSES/, COPYING and spdxexclude; returns the paths whose verdict may change.

        Those are files whose expression names an id whose entry changed, every invalid file (an
        id may have appeared), untagged files when the COPYING default changed (their finding
        names it) and files whose exclusion flipped. The caller re-reads them with ``refresh``.
        """
        old = self.ctx
        new = Context(self.root)
        self.ctx = new
        self.extras = {}
        if new.fingerprint == old.fingerprint:
            return set()
        changed_ids = _changed_ids(old.catalog, new.catalog)
        reread = (INVALID, UNTAGGED) if old.catalog.copying_default != new.catalog.copying_default else (INVALID,)
        affected: set[str] = set()
        for path, code, expression in zip(self.paths, self.status, self.exprs):
            if code in reread or old.exclude.excluded(path) != new.exclude.excluded(path):
                affected.add(path)
            elif expression is not None and changed_ids & _ids_of(expression):
                affected.add(path)
        affected.update(p for p in self.findings if p.startswith("LICENSES/"))
        affected.update(p for p in self.paths if p.startswith("LICENSES/") or p in ("COPYING", EXCLUDE_FILE))
        return affected


_ID_RE = re.compile(r"[A-Za-z.0-9\-+]+")


def _ids_of(expression: str) -> set[str]:
    return {token.upper() for token in _ID_RE.findall(expression)} - {"AND", "OR", "WITH"}


def _changed_ids(old: Catalog, new: Catalog) -> set[str]:
    """Upper-case ids whose LICENSES/ entry appeared, disappeared or changed."""
    changed: set[str] = set()
    for table in ("licenses", "exceptions"):
        before, after = getattr(old, table), getattr(new, table)
        for key in before.keys() | after.keys():
            a, b = before.get(key), after.get(key)
            if a is None or b is None or (a.ids, a.exception_licenses, a.path) != (b.ids, b.exception_licenses, b.path):
                changed.add(key)
    return changed


def _evaluate_one(ctx: Context, path: str, trusted: bool, root_real: str, base: str | None = None,
                  share: bool = False) -> Outcome | None:
    """One file's outcome; None when it vanished (deleted since it was listed).

    *base* is the directory paths are relative to: the root, or "" in a pool worker (which has
    chdir'ed to the root). *share*: take (and keep) an outcome shared between files (Context.evaluate_read).
    """
    where = ctx.root if base is None else base
    if ctx.exclude.excluded(path):
        if not trusted and not os.path.lexists(os.path.join(where, path)):
            return None  # listed by git, deleted since: gone, as read_facts would say
        return ctx.evaluate(path, None)
    facts = read_facts(where, path, trusted, root_real)
    if facts is VANISHED:
        return None
    return ctx.evaluate_read(path, facts) if share else ctx.evaluate(path, facts)


class Chunk(NamedTuple):
    """A worker's answer for a run of consecutive files, column by column."""

    paths: list[str]
    keys: list[str]
    status: bytes
    exprs: list[str | None]
    lines: list[int]
    findings: dict[str, tuple[Finding, ...]]
    skipped: list[tuple[str, str]]


_worker_ctx: Context | None = None


_worker_root = ""
#: The tree's real path (symlinks must stay inside it), worked out once a worker, not once a job.
_worker_root_real = ""


def _init_worker(ctx: Context, chdir: bool = False) -> None:
    """Set up a worker; a pool process works from inside the tree (relative paths resolve faster)."""
    global _worker_ctx, _worker_root, _worker_root_real
    _worker_ctx = ctx
    _worker_root = ctx.root
    _worker_root_real = os.path.realpath(ctx.root)
    if chdir:
        os.chdir(ctx.root)
        _worker_root = ""


def _init_pool_worker(ctx: Context) -> None:
    """Set up a reader process (readers.run_forked leaves Ctrl-C to the main process)."""
    # No cyclic GC in a reader: it lives for one scan and makes few cycles, and a collection would walk
    # (and so copy, page by page) every object it inherited from the main process.
    gc.disable()
    _init_worker(ctx, chdir=True)


def _entries(ctx: Context, job: tuple, skipped: list[tuple[str, str]]) -> tuple[list[str], list[str], bytearray]:
    """A job's files as columns: paths, keys and flags (1: git vouches for a clean regular file).

    Submodules and symlinks to directories go to *skipped*; symlinks, edited and untracked files get
    the stat key that stands for them in the cache.
    """
    root = ctx.root
    if job[0] == "git":
        paths, keys, flags, special = parse_git(job[1], job[2], skipped)  # a piece of git's output (see _git_jobs)
        dir_links = set()
        for i, kind in special:  # few: symlinks and edited files, whose stat stands for them in the cache
            if kind == SYMLINK_RECORD and os.path.isdir(os.path.join(root, paths[i])):
                skipped.append((paths[i], DIR_LINK))
                dir_links.add(i)
            else:
                keys[i] = stat_key(root, paths[i], kind == SYMLINK_RECORD)
        if dir_links:
            kept = [i for i in range(len(paths)) if i not in dir_links]
            paths, keys, flags = [paths[i] for i in kept], [keys[i] for i in kept], bytearray(flags[i] for i in kept)
            skipped.sort(key=lambda entry: entry[0].encode("utf-8", "surrogateescape"))  # git's order, submodules too
        return paths, keys, flags
    entries = list(zip(job[1], job[2]))
    symlinks = job[3]
    paths, keys, flags = [], [], bytearray()
    for path, key in entries:
        if symlinks and path in symlinks:
            if os.path.isdir(os.path.join(root, path)):
                skipped.append((path, DIR_LINK))
                continue
            if not key:
                key = stat_key(root, path, True)
        elif not key:
            key = stat_key(root, path)
        paths.append(path)
        keys.append(key)
        flags.append(bool(key) and not key.startswith("s:"))
    return paths, keys, flags


def _read_job(job: tuple) -> Chunk:
    """Worker: ("git", a piece of git's output, dirty) or ("paths", paths, keys, symlinks) -> a Chunk."""
    ctx = _worker_ctx
    assert ctx is not None
    base = _worker_root
    root_real = _worker_root_real
    skipped: list[tuple[str, str]] = []
    paths, keys, flags = _entries(ctx, job, skipped)
    excluded = ctx.exclude.excluded_among(paths)
    if any(excluded):
        for i, out in enumerate(excluded):
            if out:
                flags[i] |= 2
    status = bytearray()
    exprs: list[str | None] = []
    lines: list[int] = []
    findings: dict[str, tuple[Finding, ...]] = {}
    gone: set[int] = set()
    read_columns = scan_mod.column_reader()
    if read_columns is not None and ctx.shares:
        # The C reader reads the files and writes the outcomes it finds among those already worked out
        # straight into the columns; the rest are worked out here, and shared with the next batches.
        for start in range(0, len(paths), READ_BATCH):
            end = start + READ_BATCH
            codes, texts, numbers, found, pending = read_columns(base, paths[start:end], bytes(flags[start:end]),
                                                                 ctx.shared, ctx.exempt, ctx.table)
            for i, share, got in pending:
                path = paths[start + i]
                if got is not None:
                    outcome = ctx.evaluate_shared(path, share, got)
                else:  # excluded, or left to the Python reader
                    outcome = _evaluate_one(ctx, path, bool(flags[start + i] & 1), root_real, base)
                    if outcome is None:
                        gone.add(start + i)
                        continue
                codes[i], texts[i], numbers[i] = outcome.status, outcome.expression, outcome.line
                if outcome.findings:
                    found[path] = outcome.findings
            status += codes
            exprs += texts
            lines += numbers
            findings.update(found)
    else:
        for i, path in enumerate(paths):  # the Python reader shares outcomes by the same rules (ctx.share_key)
            outcome = _evaluate_one(ctx, path, bool(flags[i] & 1), root_real, base, share=True)
            if outcome is None:
                gone.add(i)
                status.append(0)
                exprs.append(None)
                lines.append(0)
                continue
            status.append(outcome.status)
            exprs.append(outcome.expression)
            lines.append(outcome.line)
            if outcome.findings:
                findings[path] = outcome.findings
    if gone:  # vanished since they were listed
        kept = [i for i in range(len(paths)) if i not in gone]
        paths, keys = [paths[i] for i in kept], [keys[i] for i in kept]
        status, exprs, lines = bytearray(status[i] for i in kept), [exprs[i] for i in kept], [lines[i] for i in kept]
    return Chunk(_joined(paths), _joined(keys), bytes(status), exprs, lines, findings, skipped)  # type: ignore[arg-type]


def _unpacked(chunk: Chunk) -> Chunk:
    """A worker's Chunk as it travels (paths and keys joined: one string to pickle, not 4,000) -> lists."""
    return chunk._replace(paths=_split(chunk.paths), keys=_split(chunk.keys))  # type: ignore[arg-type]


def _joined(strings: list[str]) -> str:
    """Many strings as one (NUL never occurs in a path or key): one object to pickle, not 87,000."""
    return "\0".join(strings)


def _split(joined: str) -> list[str]:
    return joined.split("\0") if joined else []


def build_index(
    root: str,
    *,
    use_cache: bool = True,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    listing: Callable[[], Listing] | None = None,
    remember: Callable[[LicenseIndex], dict[str, object]] | None = None,
    context: Context | None = None,
    scope: str = "",
) -> LicenseIndex:
    """Index *root*: list its files, reuse cached verdicts of unchanged ones, read the rest.

    *listing*: a listing already started with ``scan.start_listing`` (so git runs while the
    caller imports the rest).

    git runs while the catalog and the cache load; an unchanged tree is recognised by its
    listing's signature and costs no per-file work at all.

    *remember*: called with a freshly read index before it is cached; what it returns is kept as
    the index's ``extras``, saved and loaded with the cache (a report formatted once, say).
    *context*: the tree's ``Context``, when the caller has made it already.
    *scope*: index only the files at or below this tree-relative path (``tree.find_tree``), with the
    whole tree's LICENSES/, COPYING and spdxexclude, so each verdict is the whole tree's. Only the
    scope is listed and read. The tree's cache is used: the scope's files are looked up in it by
    key, and those read anew are merged into it (the other files' verdicts are kept; the merged
    cache is then trusted file by file only, never wholesale). *remember* is not used.
    """
    root = check_root(root)
    if scope:
        return _build_scoped(root, scope, use_cache, workers, progress, listing, context)
    finish_listing = listing or start_listing(root)
    ctx = context if context is not None else Context(root)
    fingerprint = ctx.fingerprint
    cached = cache_mod.load(root, fingerprint) if use_cache else None
    listing = finish_listing()
    if use_cache and listing.raw is not None and listing.index_stamp:
        cache_mod.save_listing_hint(root, listing.index_stamp, listing.link_records)
    index = LicenseIndex(root, ctx, listing)
    if cached is not None and cached["signature"] == listing.signature:
        index.load_columns(cached)
        index.cached_count = len(index.paths)
        if progress:
            progress([], len(index.paths), len(index.paths))
        return index
    if cached is not None:
        keys = _fill_partial(index, listing, cached, workers, progress)
    else:
        keys = _fill_cold(index, listing, workers, progress)
    if remember is not None:
        index.extras = remember(index)
    if use_cache:
        cache_mod.save(root, fingerprint, index.columns(keys, listing.signature))
    return index


def _build_scoped(root: str, scope: str, use_cache: bool, workers: int | None, progress: ProgressFn | None,
                  listing: Callable[[], Listing] | None, context: Context | None) -> LicenseIndex:
    """``build_index`` of the files at or below *scope*."""
    if not os.path.lexists(os.path.join(root, scope)):
        raise TreeError(f"{os.path.join(root, scope)}: no such file or directory")
    finish_listing = listing or start_listing(root, scope=scope)
    ctx = context if context is not None else Context(root)
    fingerprint = ctx.fingerprint
    cached = cache_mod.load(root, fingerprint) if use_cache else None
    found = finish_listing()
    if use_cache and found.raw is not None and found.index_stamp:  # a whole tree's git listing
        cache_mod.save_listing_hint(root, found.index_stamp, found.link_records)
    if cached is not None and cached["signature"] == found.signature:  # (a whole tree's listing: see start_listing)
        whole = LicenseIndex(root, ctx, found)
        whole.load_columns(cached)
        whole.cached_count = len(whole.paths)
        index = whole.scoped(scope)
        index.extras = {}
        if progress:
            progress([], len(index.paths), len(index.paths))
        return index
    paths, keys = found.paths, found.keys  # (git's records parsed: its submodules are in ``skipped``)
    chosen = _positions_in(paths, scope)
    part = Listing(root, method="scope")
    part._paths = [paths[i] for i in chosen]
    part._keys = [keys[i] for i in chosen]
    part.symlinks = {path for path in found.symlinks if in_scope(path, scope)}
    index = LicenseIndex(root, ctx, found)
    index.scope = scope
    index.skipped = _skipped_in(found.skipped, scope)
    kept_keys = _fill_partial(index, part, cached, workers, progress)
    if use_cache and index.read_count:
        cache_mod.save(root, fingerprint, _merged_payload(cached, index, kept_keys, scope))
    return index


def _skipped_in(skipped: list[tuple[str, str]], scope: str) -> list[tuple[str, str]]:
    """What was left out at or below *scope*, or around it (a scope inside a git submodule: the submodule)."""
    return [entry for entry in skipped if in_scope(entry[0], scope) or in_scope(scope, entry[0])]


def _positions_in(paths: list[str], scope: str) -> list[int]:
    """The positions of the paths at or below *scope* (``tree.in_scope``, inlined: 87,000 paths)."""
    below = scope + "/"
    return [i for i, path in enumerate(paths) if path.startswith(below) or path == scope]


def _merged_payload(cached: dict | None, index: LicenseIndex, keys: list[str], scope: str) -> dict:
    """The cache payload of *cached* (may be None) with the files in *scope* replaced by *index*'s.

    Its signature is PARTIAL_SIGNATURE: a later run reuses its verdicts by each file's key only."""
    rows: list[tuple[str, str, int, str | None, int]] = []
    findings: dict[str, tuple[Finding, ...]] = {}
    if cached is not None:
        old_paths, old_keys = _split(cached["paths"]), _split(cached["keys"])
        old_lines = array("I", cached["lines"])
        old_findings = cached["findings"]
        for i, path in enumerate(old_paths):
            if not in_scope(path, scope):
                rows.append((path, old_keys[i], cached["status"][i], cached["exprs"][i], old_lines[i]))
                if path in old_findings:
                    findings[path] = old_findings[path]
    rows.extend(zip(index.paths, keys, index.status, index.exprs, index.lines))
    findings.update(index.findings)
    rows.sort(key=itemgetter(0))
    return {
        "signature": PARTIAL_SIGNATURE,
        "paths": _joined([row[0] for row in rows]),
        "keys": _joined([row[1] for row in rows]),
        "status": bytes(row[2] for row in rows),
        "exprs": [row[3] for row in rows],
        "lines": array("I", (row[4] for row in rows)).tobytes(),
        "findings": findings,
        "skipped": [],
        "extras": {},
    }


def _fill_cold(index: LicenseIndex, listing: Listing, workers: int | None, progress: ProgressFn | None) -> list[str]:
    """Read every file; git's raw records go to the workers unparsed."""
    raw = listing.staged() if listing.method == "git" else b""  # (git may be asked only now, and fail)
    if listing.method == "git":
        jobs: list[tuple] = [("git", piece, listing.dirty) for piece in _git_jobs(raw)]
        extra = sorted(listing.extra)
        jobs += [("paths", extra[i : i + CHUNK], [""] * len(extra[i : i + CHUNK]), listing.symlinks)
                 for i in range(0, len(extra), CHUNK)]
        total = raw.count(b"\0") + len(extra)
    else:
        paths, keys = listing.paths, listing.keys
        jobs = [("paths", paths[i : i + CHUNK], keys[i : i + CHUNK], listing.symlinks)
                for i in range(0, len(paths), CHUNK)]
        total = len(paths)
    keys_out: list[str] = []
    for chunk in _run_jobs(index.ctx, jobs, workers, total):
        chunk = index.extend(chunk)
        keys_out.extend(chunk.keys)
        index.skipped.extend(chunk.skipped)
        if progress:
            progress(list(zip(chunk.paths, _outcomes(chunk))), len(index.paths), total)
    if listing.extra:
        keys_out = index.sort(keys_out)
    index.read_count = len(index.paths)
    return keys_out


def _git_jobs(raw: bytes) -> list[bytes]:
    """git's ``ls-files -s -z`` output cut into pieces of about CHUNK records, each ending with a
    record's NUL: the workers split them, and the main process never holds 87,000 records."""
    count = raw.count(b"\0")
    if count <= CHUNK:
        return [raw] if raw else []
    step = len(raw) * CHUNK // count
    pieces = []
    start = 0
    while start < len(raw):
        end = raw.find(b"\0", start + step) + 1 or len(raw)
        pieces.append(raw[start:end])
        start = end
    return pieces


def _outcomes(chunk: Chunk) -> Iterator[Outcome]:
    for path, code, expression, line in zip(chunk.paths, chunk.status, chunk.exprs, chunk.lines):
        yield Outcome(code, expression, line, chunk.findings.get(path, ()))


def _fill_partial(
    index: LicenseIndex, listing: Listing, cached: dict | None, workers: int | None, progress: ProgressFn | None
) -> list[str]:
    """Reuse the cached verdict of every file whose key is unchanged; read the others (all of them
    when there is no cache)."""
    paths, keys = listing.paths, listing.keys
    root = index.root
    for i, key in enumerate(keys):
        if not key:
            keys[i] = stat_key(root, paths[i], paths[i] in listing.symlinks)
    if cached is None:
        cached = {"paths": "", "keys": "", "status": b"", "exprs": [], "lines": b"", "findings": {}}
    old_pos = {p: i for i, p in enumerate(_split(cached["paths"]))}
    old_keys, old_status, old_exprs = _split(cached["keys"]), cached["status"], cached["exprs"]
    old_lines, old_findings = array("I", cached["lines"]), cached["findings"]
    todo_paths: list[str] = []
    todo_keys: list[str] = []
    hits: dict[str, Outcome] = {}
    for path, key in zip(paths, keys):
        j = old_pos.get(path)
        if j is not None and key and old_keys[j] == key:
            hits[path] = Outcome(old_status[j], old_exprs[j], old_lines[j], old_findings.get(path, ()))
        else:
            todo_paths.append(path)
            todo_keys.append(key)
    jobs = [("paths", todo_paths[i : i + CHUNK], todo_keys[i : i + CHUNK], listing.symlinks)
            for i in range(0, len(todo_paths), CHUNK)]
    fresh: dict[str, Outcome] = {}
    done = len(hits)
    fresh_keys: dict[str, str] = {}
    for chunk in _run_jobs(index.ctx, jobs, workers, len(todo_paths)):
        batch = list(zip(chunk.paths, _outcomes(chunk)))
        fresh.update(batch)
        fresh_keys.update(zip(chunk.paths, chunk.keys))
        index.skipped.extend(chunk.skipped)
        done += len(batch)
        if progress:
            progress(batch, done, len(paths))
    kept_keys: list[str] = []
    for path, key in zip(paths, keys):
        outcome = hits.get(path)
        if outcome is None:
            outcome = fresh.get(path)
            if outcome is None:  # vanished, or a symlink to a directory
                continue
            key = fresh_keys[path]
        index.append(path, outcome)
        kept_keys.append(key)
    index.read_count = len(fresh)
    index.cached_count = len(hits)
    if progress and not fresh:
        progress([], len(paths), len(paths))
    return kept_keys


def _pool_size(workers: int | None) -> int:
    return workers if workers is not None else min(2, os.cpu_count() or 1)


def _run_jobs(ctx: Context, jobs: list[tuple], workers: int | None, total: int) -> Iterator[Chunk]:
    """Run jobs in a few forked reader processes (results in order), or in this process when few files."""
    if not jobs:
        return
    size = _pool_size(workers)
    if total < POOL_THRESHOLD or size <= 1 or not readers.can_fork():
        _init_worker(ctx)
        yield from map(_unpacked, map(_read_job, jobs))
        return
    yield from map(_unpacked, readers.run_forked(_read_job, jobs, size, setup=partial(_init_pool_worker, ctx)))
