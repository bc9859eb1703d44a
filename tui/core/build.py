"""Building a license index and keeping it current: list the tree (git, or a walk), read the files in
reader processes (jobs of about CHUNK files, ``GitJob`` or ``PathsJob``), evaluate them, use and
save the cache; and, once built, re-read the paths that changed (``read_changes``, ``refresh``) or
the tree's LICENSES/, COPYING and spdxexclude (``reload_context``). The index itself is ``tui.core.index``.
"""

from __future__ import annotations

import gc
import os
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from operator import itemgetter
from typing import NamedTuple

from tui.core import cache as cache_mod
from tui.core import readers
from tui.core import scan as scan_mod
from tui.core.catalog import Catalog
from tui.core.evaluate import Context, Outcome
from tui.core.exclude import EXCLUDE_FILE
from tui.core.index import DIR_LINK, Chunk, LicenseIndex, joined, positions_in, skipped_in, split_joined, unpacked
from tui.core.notices import reading as notice_reading
from tui.core.notices.candidates import HEAD_BYTES, leading_region, needs_matching
from tui.core.notices.notice import Notice
from tui.core.rules import Finding
from tui.core.scan import SYMLINK_RECORD, VANISHED, Listing, parse_git, read_facts, start_listing, stat_key
from tui.core.status import INVALID, UNTAGGED
from tui.core.tree import TreeError, check_root, in_scope

#: Below this many files to read, a process pool costs more than it saves.
POOL_THRESHOLD = 4000
CHUNK = 1000
#: Files the C reader takes at once: what it works out for one batch is shared with the next.
READ_BATCH = 128

#: The signature a cache saved by a scoped run goes with: never a listing's, so its verdicts are
#: reused file by file (by key), never trusted wholesale.
PARTIAL_SIGNATURE = "partial"
#: progress(batch, done, total): called with each batch of (path, outcome) as files are read.
ProgressFn = Callable[[list[tuple[str, Outcome]], int, int], None]
#: notice_progress(what, done, total): while the notice rule index is built (``build_index``).
NoticeProgressFn = Callable[[str, int, int], None]
#: chunk_report(chunk): what a reader makes of a chunk of files it read (the chunk as an index of its own).
ChunkReport = Callable[[LicenseIndex], object]


def _prepare_notices(progress: NoticeProgressFn | None) -> None:
    """Before files are read: the notice rule index built, if notices are on and it is missing."""
    if notice_reading.available():
        from tui.core.notices import index as notice_index

        try:
            notice_index.ensure_built(progress)
        except OSError:
            pass  # the readers build (or fail to build) it themselves: a notice is then None


def _preload_notices(root: str, progress: NoticeProgressFn | None) -> None:
    """Before a cold scan forks its readers: the notice rule index loaded here (while git lists the tree), so
    that the readers inherit it rather than each loading it. Only in a process with one thread, which forks
    its readers itself (``readers.run_forked``); a process with more leaves it to the readers."""
    if not notice_reading.available() or not readers.single_threaded():
        return
    try:  # a tree of a few thousand files or more (a git index of 256 KiB): else few files, if any, are matched
        if os.stat(os.path.join(root, ".git", "index")).st_size < 256 * 1024:
            return
    except OSError:
        return
    _prepare_notices(progress)
    from tui.core.notices import match

    try:
        match.preload()
    except OSError:
        pass  # the readers try again, and go on without notices


class GitJob(NamedTuple):
    """A piece of git's ``ls-files -s -z`` output (cut at a record's end) and the paths git saw edited; or, where
    git was not asked (``Listing.stats``), what the index recorded of each of its files, for the reader to judge
    which ones git would find edited."""

    piece: bytes
    dirty: frozenset[bytes]
    stats: bytes | None = None


class PathsJob(NamedTuple):
    """Paths to read with their cache keys ("" where none is known yet) and the tree's symlinks."""

    paths: list[str]
    keys: list[str]
    symlinks: frozenset[str] | set[str]


Job = GitJob | PathsJob



def read_changes(index: LicenseIndex, paths: Iterable[str], workers: int | None = None) -> dict[str, Outcome | None]:
    """Read *paths* from disk again: path -> outcome, or None when it is no longer a file.

    Nothing is changed in the index; pass the result to ``index.apply``.
    """
    out: dict[str, Outcome | None] = {}
    todo: list[str] = []
    if index.ctx.reuse is not None:  # a sidecar's edit is its file's: both are read again
        paths = list(paths)
        paths += [path[: -len(".license")] for path in paths if path.endswith(".license")]
    for path in dict.fromkeys(paths):
        if not in_scope(path, index.scope):
            continue  # outside the files this index holds
        full = os.path.join(index.root, path)
        index.note_dir_link(path, os.path.islink(full) and os.path.isdir(full))
        if not os.path.lexists(full) or os.path.isdir(full):  # a symlink to a directory is not followed
            out[path] = None
        else:
            todo.append(path)
    parts = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
    jobs: list[Job] = [PathsJob(part, [""] * len(part), frozenset()) for part in parts]
    for chunk in _run_jobs(index.ctx, jobs, workers, len(todo)):
        out.update(zip(chunk.paths, _outcomes(chunk)))
    for path in todo:
        out.setdefault(path, None)  # vanished while being read
    return out

def refresh(index: LicenseIndex, paths: Iterable[str], workers: int | None = None) -> tuple[list[str], list[str]]:
    """Re-read *paths* (tree-relative) from disk and apply; returns (updated, removed)."""
    updated, removed = index.apply(read_changes(index, paths, workers))
    return updated + settle_reuse(index), removed


def settle_reuse(index: LicenseIndex) -> list[str]:
    """In a REUSE tree, the licence files' findings brought up to date with every file's use of them
    (``reuse.settle``); returns the paths whose outcome changed."""
    if index.ctx.reuse is None:
        return []
    from tui.core.reuse.settle import settle

    return settle(index)


def _bind_reuse(ctx: Context, paths: Iterable[str], scope: str = "") -> None:
    """In a REUSE tree, read its REUSE.toml files below the top: those in the listing, and for a scope, those
    in the directories above it."""
    if ctx.reuse is None:
        return
    nested = [path for path in paths if path.endswith("/REUSE.toml")]
    if scope:
        parts = scope.split("/")
        nested += [f"{'/'.join(parts[:i])}/REUSE.toml" for i in range(1, len(parts))
                   if os.path.isfile(os.path.join(ctx.root, *parts[:i], "REUSE.toml"))]
    ctx.reuse.bind(dict.fromkeys(nested))

def reload_context(index: LicenseIndex) -> set[str]:
    """Re-read LICENSES/, COPYING and spdxexclude; returns the paths whose verdict may change.

    Those are files whose expression names an id whose entry changed, every invalid file (an
    id may have appeared), untagged files when the COPYING default changed (their finding
    names it) and files whose exclusion flipped. The caller re-reads them with ``refresh``.
    """
    old = index.ctx
    new = Context(index.root)
    index.ctx = new
    if new.reuse is not None or old.reuse is not None:
        # A REUSE tree (or a tree that became or stopped being one): its REUSE.toml files found again, and
        # every file read again (REUSE trees are small; REUSE.toml can reach any file).
        _bind_reuse(new, index.paths, index.scope)
        return set(index.paths)
    if new.fingerprint == old.fingerprint:
        return set()
    changed_ids = _changed_ids(old.catalog, new.catalog)
    reread = (INVALID, UNTAGGED) if old.catalog.copying_default != new.catalog.copying_default else (INVALID,)
    affected: set[str] = set()
    for path, code, expression in zip(index.paths, index.status, index.exprs):
        if code in reread or old.exclude.excluded(path) != new.exclude.excluded(path):
            affected.add(path)
        elif expression is not None and changed_ids & _ids_of(expression):
            affected.add(path)
    affected.update(p for p in index.findings if p.startswith("LICENSES/"))
    affected.update(p for p in index.paths if p.startswith("LICENSES/") or p in ("COPYING", EXCLUDE_FILE))
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
    """One file's outcome, its notice read where the file is a candidate; None when it vanished
    (deleted since it was listed).

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
    outcome = ctx.evaluate_read(path, facts) if share else ctx.evaluate(path, facts)
    header = facts.header
    if header is not None and not header.binary and notice_reading.available():
        body, tagged = facts.body, header.line is not None
        head = None
        if not tagged and len(body) < HEAD_BYTES and not path.endswith(scan_mod.BODY_SUFFIXES) \
                and leading_region(body, HEAD_BYTES) == len(body):
            # an untagged file whose leading comment runs past the bytes read: its first HEAD_BYTES are tested
            body = head = notice_reading.read_head(where, path)
        if needs_matching(body, tagged):
            outcome = _noticed(ctx, where, path, outcome, head)
    return outcome


def _noticed(ctx: Context, base: str, path: str, outcome: Outcome, head: bytes | None = None) -> Outcome:
    """*outcome* with the file's notice (a candidate: ``notices.candidates``), read from its head (its first
    HEAD_BYTES, read here unless given)."""
    if head is None:
        head = notice_reading.read_head(base, path)
    notice, like_line = notice_reading.read_notice(head, path, ctx.catalog)
    return ctx.with_notice(path, outcome, notice, like_line, head)


_worker_ctx: Context | None = None


_worker_root = ""
#: The tree's real path (symlinks must stay inside it), worked out once a worker, not once a job.
_worker_root_real = ""
#: What a worker makes of each chunk besides its columns (``build_index``'s *chunk_report*), or None.
_worker_report: ChunkReport | None = None


def _init_worker(ctx: Context, chdir: bool = False, chunk_report: ChunkReport | None = None) -> None:
    """Set up a worker; a pool process works from inside the tree (relative paths resolve faster)."""
    global _worker_ctx, _worker_root, _worker_root_real, _worker_report
    _worker_ctx = ctx
    _worker_report = chunk_report
    _worker_root = ctx.root
    _worker_root_real = os.path.realpath(ctx.root)
    if chdir:
        os.chdir(ctx.root)
        _worker_root = ""


def _init_pool_worker(ctx: Context, chunk_report: ChunkReport | None = None) -> None:
    """Set up a reader process (readers.run_forked leaves Ctrl-C to the main process)."""
    # No cyclic GC in a reader: it lives for one scan and makes few cycles, and a collection would walk
    # (and so copy, page by page) every object it inherited from the main process.
    gc.disable()
    _init_worker(ctx, chdir=True, chunk_report=chunk_report)


def _entries(ctx: Context, job: Job, skipped: list[tuple[str, str]]
             ) -> tuple[list[str], list[str], bytearray, bytes | None]:
    """A job's files as columns: paths, keys and flags (1: git vouches for a clean regular file; 4: and the file's
    stat is to be compared with the index's, in *stats*, to tell whether git would find it edited), and the index's
    stat data of each file (``GitJob.stats``; None where git said which files are edited).

    Submodules and symlinks to directories go to *skipped*; symlinks, edited and untracked files get
    the stat key that stands for them in the cache.
    """
    root = ctx.root
    if isinstance(job, GitJob):
        paths, keys, flags, special = parse_git(job.piece, job.dirty, skipped)
        stats = job.stats
        if stats is not None:  # (index_stats lets no submodule through: one record, one entry)
            for i, flag in enumerate(flags):
                if flag & 1:
                    flags[i] = flag | 4
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
            if stats is not None:
                stats = b"".join(stats[i * _STAT_BYTES : (i + 1) * _STAT_BYTES] for i in kept)
            skipped.sort(key=lambda entry: os.fsencode(entry[0]))  # git's order, submodules too
        return paths, keys, flags, stats
    entries = list(zip(job.paths, job.keys))
    symlinks = job.symlinks
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
    return paths, keys, flags, None


#: Bytes of index stat data a file (``_fastread.index_stats``: ten 32-bit words).
_STAT_BYTES = 40


def _read_job(job: Job) -> Chunk:
    """Worker: a job's files read and evaluated, as a Chunk."""
    ctx = _worker_ctx
    assert ctx is not None
    base = _worker_root
    root_real = _worker_root_real
    skipped: list[tuple[str, str]] = []
    paths, keys, flags, stats = _entries(ctx, job, skipped)
    if ctx.reuse is not None:
        return _read_reuse_job(ctx, paths, keys, skipped, base)
    excluded = ctx.exclude.excluded_among(paths)
    edited: list[str] = []  # (with *stats*: the files git would find edited, read again as git does not vouch)
    if any(excluded):
        for i, out in enumerate(excluded):
            if out:
                flags[i] |= 2
                if stats is not None and flags[i] & 4 and scan_mod.edited_by_lstat(
                        os.path.join(base, paths[i]) if base else paths[i],
                        array("I", stats[i * _STAT_BYTES : (i + 1) * _STAT_BYTES])):
                    flags[i] &= ~1
                    keys[i] = stat_key(base or ctx.root, paths[i])
                    edited.append(paths[i])
    status = bytearray()
    exprs: list[str | None] = []
    lines: list[int] = []
    findings: dict[str, tuple[Finding, ...]] = {}
    notices: dict[str, Notice] = {}
    notices_on = notice_reading.available()
    gone: set[int] = set()
    read_columns = scan_mod.column_reader()
    if read_columns is not None and ctx.shares:
        # The C reader reads the files and writes the outcomes it finds among those already worked out
        # straight into the columns; the rest are worked out here, and shared with the next batches.
        for start in range(0, len(paths), READ_BATCH):
            end = start + READ_BATCH
            codes, texts, numbers, found, pending, heads, changed = read_columns(
                base, paths[start:end], bytes(flags[start:end]), ctx.shared, ctx.exempt, ctx.table,
                None if stats is None else stats[start * _STAT_BYTES : end * _STAT_BYTES])
            for i in changed:  # edited since git's index recorded them: read as git does not vouch for them
                flags[start + i] &= ~1
                keys[start + i] = stat_key(base or ctx.root, paths[start + i])
                edited.append(paths[start + i])
            for i, share, got in pending:
                path = paths[start + i]
                if got is not None:
                    outcome = ctx.evaluate_shared(path, share, got)
                else:  # excluded, edited, or left to the Python reader (which reads the notice itself)
                    outcome = _evaluate_one(ctx, path, bool(flags[start + i] & 1), root_real, base)
                    if outcome is None:
                        gone.add(start + i)
                        continue
                    if outcome.notice is not None:
                        notices[path] = outcome.notice
                codes[i], texts[i], numbers[i] = outcome.status, outcome.expression, outcome.line
                if outcome.findings:
                    found[path] = outcome.findings
            if notices_on:
                # The files whose head the C reader found worth matching (notices.candidates), with that head:
                # a few in a batch (13% of the kernel's files), matched here.
                for at, head in heads:
                    path = paths[start + at]
                    outcome = _noticed(ctx, base, path, Outcome(codes[at], texts[at], numbers[at], found.get(path, ())),
                                       head)
                    if outcome.notice is not None:
                        notices[path] = outcome.notice
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
            if outcome.notice is not None:
                notices[path] = outcome.notice
    if gone:  # vanished since they were listed
        kept = [i for i in range(len(paths)) if i not in gone]
        paths, keys = [paths[i] for i in kept], [keys[i] for i in kept]
        status, exprs, lines = bytearray(status[i] for i in kept), [exprs[i] for i in kept], [lines[i] for i in kept]
    chunk = Chunk(joined(paths), joined(keys), bytes(status), exprs, lines, findings, notices,  # type: ignore[arg-type]
                  skipped, edited=tuple(edited))
    if _worker_report is not None:  # (what `check --format json` prints of these files: made here, meanwhile)
        view = LicenseIndex(ctx.root, ctx)
        view.extend(chunk._replace(paths=paths, keys=keys))
        chunk = chunk._replace(report=_worker_report(view))
    return chunk


def _read_reuse_job(ctx: Context, paths: list[str], keys: list[str], skipped: list[tuple[str, str]],
                    base: str) -> Chunk:
    """``_read_job`` in a REUSE tree: each file read whole by ``reuse.reading`` (no C reader, no sharing)."""
    from tui.core.reuse.reading import evaluate as evaluate_reuse

    project, verdict = ctx.reuse, ctx.verdict
    kept_paths: list[str] = []
    kept_keys: list[str] = []
    status = bytearray()
    exprs: list[str | None] = []
    lines: list[int] = []
    findings: dict[str, tuple[Finding, ...]] = {}
    origins: dict = {}
    for path, key in zip(paths, keys):
        outcome = evaluate_reuse(project, verdict, base, path)
        if outcome is None:
            continue  # vanished since it was listed
        kept_paths.append(path)
        kept_keys.append(key)
        status.append(outcome.status)
        exprs.append(outcome.expression)
        lines.append(outcome.line)
        if outcome.findings:
            findings[path] = outcome.findings
        if outcome.origin is not None:
            origins[path] = outcome.origin
    return Chunk(joined(kept_paths), joined(kept_keys), bytes(status), exprs, lines, findings, {},  # type: ignore[arg-type]
                 skipped, origins)


def build_index(
    root: str,
    *,
    use_cache: bool = True,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    listing: Callable[[], Listing] | None = None,
    context: Context | None = None,
    scope: str = "",
    notice_progress: NoticeProgressFn | None = None,
    save_meanwhile: bool = False,
    chunk_report: ChunkReport | None = None,
) -> LicenseIndex:
    """Index *root*: list its files, reuse cached verdicts of unchanged ones, read the rest.

    *listing*: a listing already started with ``scan.start_listing`` (so git runs while the
    caller imports the rest).

    git runs while the catalog and the cache load; an unchanged tree is recognised by its
    listing's signature and costs no per-file work at all.

    *context*: the tree's ``Context``, when the caller has made it already.
    *scope*: index only the files at or below this tree-relative path (``tree.find_tree``), with the
    whole tree's LICENSES/, COPYING and spdxexclude, so each verdict is the whole tree's. Only the
    scope is listed and read. The tree's cache is used: the scope's files are looked up in it by
    key, and those read anew are merged into it (the other files' verdicts are kept; the merged
    cache is then trusted file by file only, never wholesale).

    *notice_progress*: told (what, done, total) while the licence-notice rule index is built, the first
    time files are read with a version of the rule data (``notices.index.ensure_built``: seconds).
    *save_meanwhile*: the cache of a large tree written by a child process while the caller goes on; the
    caller then calls ``index.saved()`` before it exits (``lictree check``).
    *chunk_report*: called by the readers on each chunk of files they read, on a cold scan of a kernel tree:
    its results, in order, are ``index.chunk_reports`` (``report.FilesJson``: `check --format json`'s lines,
    made while the files are read).
    """
    root = check_root(root)
    if scope:
        return _build_scoped(root, scope, use_cache, workers, progress, listing, context, notice_progress)
    finish_listing = listing or start_listing(root)
    ctx = context if context is not None else Context(root)
    fingerprint = ctx.fingerprint
    cached = cache_mod.load(root, fingerprint) if use_cache else None
    if cached is None and ctx.reuse is None:
        _preload_notices(root, notice_progress)  # while git lists the tree
    listing = finish_listing()
    if listing.stats is not None and not (cached is None and ctx.reuse is None and ctx.shares
                                          and scan_mod.column_reader() is not None):
        listing.settle()  # (only the C reader of a cold scan judges edits: git is asked, as it is otherwise)
    if use_cache and listing.raw is not None and listing.index_stamp:
        cache_mod.save_listing_hint(root, listing.index_stamp, listing.link_records)
    index = LicenseIndex(root, ctx, listing)
    if cached is not None and cached["signature"] == listing.signature:
        index.load_columns(cached)
        index.cached_count = len(index.paths)
        _bind_reuse(ctx, index.paths)  # (a REUSE tree's edits are judged with its REUSE.toml files)
        if progress:
            progress([], len(index.paths), len(index.paths))
        return index
    if ctx.reuse is not None:
        _bind_reuse(ctx, listing.paths)
    else:
        _prepare_notices(notice_progress)
    if cached is not None:
        keys = _fill_partial(index, listing, cached, workers, progress)
    else:
        keys = _fill_cold(index, listing, workers, progress, chunk_report if ctx.reuse is None else None)
    settle_reuse(index)
    if use_cache:
        save = partial(cache_mod.save, root, fingerprint, index.columns(keys, listing.signature))
        if save_meanwhile and len(index.paths) >= SAVE_MEANWHILE_FILES:
            index.saved = readers.forked_call(save)
        else:
            save()
    return index


#: From this many files on, ``build_index(save_meanwhile=True)`` writes the cache in a child process.
SAVE_MEANWHILE_FILES = 20000


def _build_scoped(root: str, scope: str, use_cache: bool, workers: int | None, progress: ProgressFn | None,
                  listing: Callable[[], Listing] | None, context: Context | None,
                  notice_progress: NoticeProgressFn | None = None) -> LicenseIndex:
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
        _bind_reuse(ctx, whole.paths)
        index = whole.scoped(scope)
        if progress:
            progress([], len(index.paths), len(index.paths))
        return index
    paths, keys = found.paths, found.keys  # (git's records parsed: its submodules are in ``skipped``)
    chosen = positions_in(paths, scope)
    part = Listing(root, method="scope")
    part._paths = [paths[i] for i in chosen]
    part._keys = [keys[i] for i in chosen]
    part.symlinks = {path for path in found.symlinks if in_scope(path, scope)}
    index = LicenseIndex(root, ctx, found)
    index.scope = scope
    index.skipped = skipped_in(found.skipped, scope)
    if ctx.reuse is not None:
        _bind_reuse(ctx, part.paths, scope)
    else:
        _prepare_notices(notice_progress)
    kept_keys = _fill_partial(index, part, cached, workers, progress)
    settle_reuse(index)
    if use_cache and index.read_count:
        cache_mod.save(root, fingerprint, _merged_payload(cached, index, kept_keys, scope))
    return index


def _merged_payload(cached: dict | None, index: LicenseIndex, keys: list[str], scope: str) -> dict:
    """The cache payload of *cached* (may be None) with the files in *scope* replaced by *index*'s.

    Its signature is PARTIAL_SIGNATURE: a later run reuses its verdicts by each file's key only."""
    rows: list[tuple[str, str, int, str | None, int]] = []
    findings: dict[str, tuple[Finding, ...]] = {}
    notices: dict[str, Notice] = {}
    origins: dict = {}
    if cached is not None:
        old_paths, old_keys = split_joined(cached["paths"]), split_joined(cached["keys"])
        old_lines = array("I", cached["lines"])
        old_findings, old_notices = cached["findings"], cached.get("notices", {})
        old_origins = cached.get("origins", {})
        for i, path in enumerate(old_paths):
            if not in_scope(path, scope):
                rows.append((path, old_keys[i], cached["status"][i], cached["exprs"][i], old_lines[i]))
                if path in old_findings:
                    findings[path] = old_findings[path]
                if path in old_notices:
                    notices[path] = old_notices[path]
                if path in old_origins:
                    origins[path] = old_origins[path]
    rows.extend(zip(index.paths, keys, index.status, index.exprs, index.lines))
    findings.update(index.findings)
    notices.update(index.notices)
    origins.update(index.origins)
    rows.sort(key=itemgetter(0))
    return {
        "signature": PARTIAL_SIGNATURE,
        "paths": joined([row[0] for row in rows]),
        "keys": joined([row[1] for row in rows]),
        "status": bytes(row[2] for row in rows),
        "exprs": [row[3] for row in rows],
        "lines": array("I", (row[4] for row in rows)).tobytes(),
        "findings": findings,
        "notices": notices,
        "skipped": [],
        "origins": origins,
    }


def _fill_cold(index: LicenseIndex, listing: Listing, workers: int | None, progress: ProgressFn | None,
               chunk_report: ChunkReport | None = None) -> list[str]:
    """Read every file; git's raw records go to the workers unparsed. With *chunk_report*, the readers make
    it of each chunk as well, kept in ``index.chunk_reports`` when the index is their chunks in order."""
    raw = listing.staged() if listing.method == "git" else b""  # (git may be asked only now, and fail)
    stats = listing.stats
    if listing.method == "git":
        pieces_of = _git_jobs(raw)
        if stats is None:
            jobs: list[Job] = [GitJob(piece, listing.dirty) for piece in pieces_of]
        else:  # the readers judge which files git would find edited: each piece with its files' index stat data
            jobs, at = [], 0
            for piece in pieces_of:
                records = piece.count(b"\0") + (0 if piece.endswith(b"\0") else 1)
                jobs.append(GitJob(piece, listing.dirty, stats[at * _STAT_BYTES : (at + records) * _STAT_BYTES]))
                at += records
        extra = sorted(listing.extra)
        jobs += [PathsJob(extra[i : i + CHUNK], [""] * len(extra[i : i + CHUNK]), listing.symlinks)
                 for i in range(0, len(extra), CHUNK)]
        total = raw.count(b"\0") + len(extra)
    else:
        paths, keys = listing.paths, listing.keys
        jobs = [PathsJob(paths[i : i + CHUNK], keys[i : i + CHUNK], listing.symlinks)
                for i in range(0, len(paths), CHUNK)]
        total = len(paths)
    keys_out: list[str] = []
    edited: list[str] = []
    pieces: list[object] | None = [] if chunk_report is not None else None
    for chunk in _run_jobs(index.ctx, jobs, workers, total, chunk_report):
        edited.extend(chunk.edited)
        chunk = index.extend(chunk)
        keys_out.extend(chunk.keys)
        index.skipped.extend(chunk.skipped)
        if pieces is not None:
            if chunk.report is None:  # (a chunk whose first file was dropped: its report is not the files')
                pieces = None
            else:
                pieces.append(chunk.report)
        if progress:
            progress(list(zip(chunk.paths, _outcomes(chunk))), len(index.paths), total)
    if stats is not None:
        listing.settle(edited)  # its dirty files and signature, from what the readers found
    if listing.extra:
        keys_out = index.sort(keys_out)
        pieces = None  # untracked files, sorted in: not the readers' order
    index.read_count = len(index.paths)
    if pieces is not None and chunk_report is not None:
        index.chunk_reports = (chunk_report, pieces)
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
    findings, notices, origins = chunk.findings, chunk.notices, chunk.origins
    for path, code, expression, line in zip(chunk.paths, chunk.status, chunk.exprs, chunk.lines):
        yield Outcome(code, expression, line, findings.get(path, ()), notices.get(path),
                      origins.get(path) if origins else None)


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
    old_pos = {p: i for i, p in enumerate(split_joined(cached["paths"]))}
    old_keys, old_status, old_exprs = split_joined(cached["keys"]), cached["status"], cached["exprs"]
    old_lines, old_findings = array("I", cached["lines"]), cached["findings"]
    old_notices = cached.get("notices", {})
    old_origins = cached.get("origins", {})
    if index.ctx.reuse is not None and _reuse_config_changed(paths, keys, old_pos, old_keys):
        old_pos = {}  # a REUSE.toml or sidecar changed: what it says may reach any file
    todo_paths: list[str] = []
    todo_keys: list[str] = []
    hits: dict[str, Outcome] = {}
    for path, key in zip(paths, keys):
        j = old_pos.get(path)
        if j is not None and key and old_keys[j] == key:
            hits[path] = Outcome(old_status[j], old_exprs[j], old_lines[j], old_findings.get(path, ()),
                                 old_notices.get(path), old_origins.get(path))
        else:
            todo_paths.append(path)
            todo_keys.append(key)
    jobs = [PathsJob(todo_paths[i : i + CHUNK], todo_keys[i : i + CHUNK], listing.symlinks)
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


def _reuse_config_changed(paths: list[str], keys: list[str], old_pos: dict[str, int], old_keys: list[str]) -> bool:
    """Whether a REUSE.toml or a .license sidecar was added, changed or removed since the cache was made."""
    now = {path: key for path, key in zip(paths, keys) if path.endswith((".license", "REUSE.toml"))}
    before = {path for path in old_pos if path.endswith((".license", "REUSE.toml"))}
    if set(now) != before:
        return True
    return any(not key or old_keys[old_pos[path]] != key for path, key in now.items())


def _pool_size(workers: int | None) -> int:
    return workers if workers is not None else min(2, os.cpu_count() or 1)


def _run_jobs(ctx: Context, jobs: list[Job], workers: int | None, total: int,
              chunk_report: ChunkReport | None = None) -> Iterator[Chunk]:
    """Run jobs in a few forked reader processes (results in order), or in this process when few files."""
    if not jobs:
        return
    size = _pool_size(workers)
    if total < POOL_THRESHOLD or size <= 1 or not readers.can_fork():
        _init_worker(ctx, chunk_report=chunk_report)
        try:
            yield from map(unpacked, map(_read_job, jobs))
        finally:
            _init_worker(ctx)
        return
    yield from map(unpacked, readers.run_forked(_read_job, jobs, size,
                                                setup=partial(_init_pool_worker, ctx, chunk_report)))
