"""The licence diff of two trees: what a change (a stable update, a vendor's branch) did to the licensing.

Each side is a directory (indexed as ``build_index`` indexes it) or a git revision (read from git's
objects: ``tui.core.revision``), judged with its own LICENSES/, COPYING and spdxexclude. ``compare``
gives a ``Diff``: one ``FileDiff`` per file that was added, removed, renamed or whose verdict changed
(status, expression or effective licence), and a count of the files whose content changed but whose
verdict did not. ``Diff.summary()`` is the summary every report starts with; ``tui.core.diff_report``
writes the reports.

For a UI: ``open_side`` and ``compare`` (with ``progress``), then ``Diff.files`` / ``Diff.by_path``,
``Diff.dir_delta(directory)`` (licences gained and lost below a directory) and ``Verdict`` of both sides.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import shutil
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar

from tui import __version__
from tui.core import cache as cache_mod
from tui.core import collector_paused
from tui.core import revision as rev_mod
from tui.core.atomic import replacing
from tui.core.catalog import Catalog
from tui.core.dirpair import IndexDiff, StartedPair, kept_dirs_path, start_pair
from tui.core.evaluate import Context, Outcome, effective
from tui.core.index import LicenseIndex
from tui.core.notices.notice import Notice
from tui.core.reuse.origin import REUSE_SOURCES
from tui.core.rules import Finding
from tui.core.status import STATUSES
from tui.core.tree import TreeError

CHANGE_KINDS = ("added", "removed", "renamed", "changed")
#: The ``--fail-on`` conditions (``Diff.fails``).
FAIL_ON = ("license-change", "new-license", "untagged", "never")
#: progress(what, done, total) while files are read.
ProgressFn = Callable[[str, int, int], None]


class DiffError(Exception):
    """A side that cannot be opened or read: a one-line message."""


# Verdicts ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """One side's verdict of a file: status, tag expression and line, effective licence and its source
    (tag, notice, copying; None: none), findings and notice."""

    status: str
    expression: str | None
    line: int | None
    effective: str | None
    source: str | None
    findings: tuple[Finding, ...] = ()
    notice: Notice | None = None

    @property
    def key(self) -> tuple:
        """What a verdict change is: status, expression or effective licence (in a REUSE tree, also where it
        comes from: the file, its sidecar, REUSE.toml or dep5)."""
        return self.status, self.expression, self.effective, self.source if self.source in REUSE_SOURCES else None

    def as_json(self) -> dict:
        return {"status": self.status, "expression": self.expression, "line": self.line,
                "effective": None if self.effective is None else {"expression": self.effective, "source": self.source},
                "notice": self.notice.as_json() if self.notice is not None else None}


def verdict_of(outcome: Outcome, copying: str | None) -> Verdict:
    found = effective(outcome.status, outcome.expression, outcome.notice, copying, outcome.origin)
    return Verdict(STATUSES[outcome.status], outcome.expression, outcome.line or None,
                   found[0] if found else None, found[1] if found else None, outcome.findings, outcome.notice)


# Licence equivalence --------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+\-]*|\(|\)")
_OPERATORS = {"AND", "OR", "WITH"}
_GNU = re.compile(r"^((?:A|L)?GPL|GFDL)-(\d\.\d)(\+|-ONLY|-OR-LATER)?$")


def fold_id(license_id: str, catalog: Catalog | None) -> str:
    """One spelling per licence: upper case, GPL-2.0 -> GPL-2.0-ONLY, GPL-2.0+ -> GPL-2.0-OR-LATER (the kernel's
    LICENSES/ files list them as aliases; so does SPDX's list of deprecated ids)."""
    key = license_id.upper()
    match = _GNU.match(key)
    if match:
        suffix = match.group(3)
        return f"{match.group(1)}-{match.group(2)}-{'OR-LATER' if suffix in ('+', '-OR-LATER') else 'ONLY'}"
    if catalog is not None:
        entry = catalog.license(key) or catalog.exception(key)
        if entry is not None and key.endswith("+") and f"{key[:-1]}-OR-LATER" in {i.upper() for i in entry.ids}:
            return f"{key[:-1]}-OR-LATER"
    return key


def ids_of(expression: str | None) -> list[str]:
    if not expression:
        return []
    return [t for t in _TOKEN.findall(expression) if t not in "()" and t.upper() not in _OPERATORS]


_LICENSING: list = []


def license_key(expression: str | None, catalog: Catalog | None) -> str | None:
    """A normal form of an expression: ids folded (``fold_id``), operators in upper case, simplified by
    license-expression (order of OR and AND terms and parentheses do not count)."""
    if expression is None:
        return None
    tokens = []
    for token in _TOKEN.findall(expression):
        upper = token.upper()
        tokens.append(token if token in "()" else upper if upper in _OPERATORS else fold_id(token, catalog))
    text = " ".join(tokens)
    try:
        if not _LICENSING:
            from license_expression import Licensing

            _LICENSING.append(Licensing())
        return str(_LICENSING[0].parse(text, simple=False).simplify())
    except Exception:  # not an expression license-expression reads: its folded tokens are its form
        return text


# Sides ---------------------------------------------------------------------------------------------


class Side:
    """One side of a diff: its context, its files (path -> content key) and their outcomes."""

    kind = ""
    root = ""
    rev: str | None = None
    ctx: Context

    @property
    def label(self) -> str:
        return self.rev if self.rev is not None else self.root

    def listing(self) -> dict[str, str]:
        raise NotImplementedError

    def known_keys(self) -> dict[str, str]:
        """The keys a diff has worked out (those of the files it names, at least): the listing, by default."""
        return self.listing()

    def outcomes(self, paths: Iterable[str], progress: ProgressFn | None = None) -> dict[str, Outcome]:
        raise NotImplementedError

    def info(self) -> dict:
        return {"root": self.root, "rev": self.rev}


class DirSide(Side):
    """A directory. A git work tree (of a kernel tree) is compared by blob id: git's ``ls-files -s`` records of
    both sides are compared as bytes, and only the files whose records differ, and those git does not vouch for
    (edited, untracked, symlinks: the blob id of their bytes), are looked at; their verdicts are kept by (path,
    blob id) in the ``BlobStore`` (shared with revisions), taken from the tree's index cache when it has one,
    else read from disk. Any other tree (no git, a REUSE tree) is indexed whole (``build_index``, with its
    cache) and compared by the blob id of each file's bytes: two full scans are its floor."""

    kind = "directory"

    def __init__(self, root: str, use_cache: bool = True, started: Callable | None = None,
                 ctx: Context | None = None) -> None:
        from tui.core.scan import start_listing
        from tui.core.tree import check_root

        self.root = check_root(root)
        finish = started or start_listing(self.root)
        self.ctx = ctx if ctx is not None else Context(self.root)
        self.listed = finish()
        self.use_cache = use_cache
        self.read_count = 0
        #: The whole tree's index: for a tree compared otherwise than by blob id, or when most files must be read.
        self.index: LicenseIndex | None = None
        self.store: BlobStore | None = None
        #: path -> content key of every file (``listing``), or of the files a diff names (``_plan_git_dirs``).
        self._keys: dict[str, str] | None = None
        #: Paths whose key is the blob id of the bytes read here (git does not vouch for them).
        self._computed: set[str] = set()
        if self.by_blob:
            self.store = BlobStore.of(self.ctx.fingerprint, use_cache)
        else:
            self._build_index()

    @property
    def by_blob(self) -> bool:
        """Whether the tree is compared by git's blob ids, reading only what differs."""
        return self.listed.method == "git" and self.ctx.reuse is None

    def _build_index(self) -> LicenseIndex:
        from tui.core.build import build_index

        if self.index is None:
            listed = self.listed
            self.index = build_index(self.root, use_cache=self.use_cache, listing=lambda: listed, context=self.ctx)
            self.read_count += self.index.read_count
        return self.index

    @property
    def git_objects(self) -> str | None:
        """The object directory of the tree's repository (for rename detection), or None."""
        if self.listed.method != "git":
            return None
        plain = os.path.join(self.root, ".git", "objects")
        if os.path.isdir(plain):
            return plain
        common = rev_mod.git(self.root, "rev-parse", "--path-format=absolute", "--git-common-dir", check=False)
        objects = os.path.join(common.decode("utf-8", "surrogateescape").strip(), "objects")
        return objects if os.path.isdir(objects) else None

    def listing(self) -> dict[str, str]:
        """path -> content key of every file: git's blob id where git vouches for the file, else the blob id
        of its bytes ("" for what is no file to read: a symlink to a directory, a dangling one)."""
        if self._keys is None or self._keys_partial:
            listed = self.listed
            keys = dict(zip(listed.paths, listed.keys))
            unknown = [p for p, k in keys.items() if len(k) != 40 or k.startswith("s:") or p in listed.symlinks]
            keys.update(self.content_keys(unknown))
            self._keys, self._keys_partial = keys, False
        return self._keys

    _keys_partial = False

    def content_keys(self, paths: Iterable[str]) -> dict[str, str]:
        """path -> the blob id of its bytes (a symlink followed); "" for what is no regular file to read."""
        out = {}
        for path in paths:
            out[path] = _blob_id(os.path.join(self.root, path))
            self._computed.add(path)
        return out

    def known_keys(self) -> dict[str, str]:
        return self._keys if self._keys is not None else self.listing()

    def use_keys(self, keys: dict[str, str]) -> None:
        """The keys of the files a diff names (``_plan_git_dirs``): the only ones it asks outcomes of."""
        self._keys, self._keys_partial = keys, True

    def vouched(self, path: str) -> bool:
        """Whether git vouches for the file's key (a clean regular file it tracks)."""
        return path not in self._computed and path not in self.listed.symlinks

    def plan(self, paths: Iterable[str]) -> tuple[dict[str, Outcome], list[str]]:
        """(outcomes known without reading: from the blob store, the tree's index cache or its index, [paths to
        read]); what the index cache gave is added to the blob store (the next diff needs no cache)."""
        if self.index is not None:
            return self._from_index(paths), []
        keys = self._keys if self._keys is not None else self.listing()
        out: dict[str, Outcome] = {}
        store = self.store
        assert store is not None
        if not store.data:  # (a first diff: nothing to look up)
            todo = [path for path in paths if path in keys]
        else:
            todo = []
            links = self.listed.symlinks
            stored = store.data
            for path in paths:
                key = keys.get(path)
                if key is None:
                    continue
                got = stored.get(f"{path}\0{key}") if key and path not in links else None
                if got is None:
                    todo.append(path)
                else:
                    out[path] = got
        if len(todo) > INDEX_MIN and len(todo) > INDEX_SHARE * self.listed.count():
            # Most files to read (LICENSES/ changed, or a tree unlike the other): the whole tree indexed, with its
            # cache, as a check would index it.
            out.update(self._from_index(todo, self._build_index()))
            return out, []
        if len(todo) >= CACHE_LOOKUP and self.use_cache:
            found = self._from_index_cache(todo, keys)
            if found:
                out.update(found)
                store.put_many((path, keys[path], outcome) for path, outcome in found.items())
                todo = [p for p in todo if p not in found]
        return out, todo

    def _from_index(self, paths: Iterable[str], index: LicenseIndex | None = None) -> dict[str, Outcome]:
        index = index if index is not None else self.index
        assert index is not None
        origins = index.origins  # a REUSE tree: where each file's licensing comes from
        out = {}
        for path in paths:
            i = index.position(path)
            if i is not None:
                out[path] = Outcome(index.status[i], index.exprs[i], index.lines[i], index.findings.get(path, ()),
                                    index.notices.get(path), origins.get(path) if origins else None)
        return out

    def _from_index_cache(self, paths: list[str], keys: dict[str, str]) -> dict[str, Outcome]:
        """The verdicts the tree's index cache (``lictree check``, the UI) holds for *paths* with the same key
        (equal ones made one object each: the blob store pickles each once)."""
        from array import array

        links = self.listed.symlinks
        wanted = [p for p in paths if keys.get(p) and p not in links]
        found = cache_mod.lookup(self.root, self.ctx.fingerprint, wanted)
        if found is None:
            return {}
        cached = found.columns
        status, exprs, lines = cached["status"], cached["exprs"], array("I", cached["lines"])
        findings, notices = cached["findings"], cached.get("notices", {})
        out: dict[str, Outcome] = {}
        # Equal outcomes made one object: (status, expression, line, findings, notice) -> it, findings and
        # notices by identity (the cache holds one object for equal ones, ``cache._shared``).
        same: dict[tuple, Outcome] = {}
        for path, j, old_key in zip(wanted, found.positions, found.keys):
            if j < 0 or old_key != keys[path]:
                continue
            got, notice = findings.get(path, ()), notices.get(path)
            key = (status[j], exprs[j], lines[j], id(got), id(notice))
            outcome = same.get(key)
            if outcome is None:
                outcome = same[key] = Outcome(status[j], exprs[j], lines[j], got, notice)
            out[path] = outcome
        return out

    def outcomes(self, paths: Iterable[str], progress: ProgressFn | None = None) -> dict[str, Outcome]:
        """The outcome of each path that is a file of the tree (see ``_read_dirs``)."""
        return _read_dirs([(self, list(paths))], progress)[0]


#: A side with more than this share of its files to read (and more than INDEX_MIN) is indexed whole, with its
#: cache (``DirSide.plan``).
INDEX_SHARE = 0.25
INDEX_MIN = 2000
#: From this many files to read on, a tree's index cache is looked in first.
CACHE_LOOKUP = 500


def _blob_id(full: str) -> str:
    """git's blob id of the bytes of the file at *full* (a symlink followed); "" for no regular file."""
    try:
        with open(full, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return ""
            data = handle.read()
    except OSError:
        return ""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _init_dir_reader(contexts: list[Context], forked: bool = False) -> None:
    if forked:
        import gc

        gc.disable()  # (as build's readers: a short-lived process with few cycles)
    _job_state["dir_contexts"] = contexts


def _read_dir_job(job: tuple[int, object]) -> object:
    """Reader: one chunk of one directory side's files read and evaluated (``build._read_job``)."""
    from tui.core import build

    side, paths_job = job
    build._init_worker(_job_state["dir_contexts"][side])
    return build._read_job(paths_job)  # type: ignore[arg-type]


#: Below this many files to read from disk, forked readers cost more than they save.
DIR_FORK_THRESHOLD = 2000
_DIR_CHUNK = 500


def _read_dirs(wanted: list[tuple[DirSide, list[str]]], progress: ProgressFn | None = None,
               workers: int | None = None) -> list[dict[str, Outcome]]:
    """The outcomes of the given paths of each directory side: from its blob store (or index), the rest read
    from disk, in a few forked readers when there are many; blob stores updated."""
    from tui.core import build, readers
    from tui.core.index import unpacked

    results: list[dict[str, Outcome]] = []
    jobs: list[tuple[int, object]] = []
    for n, (side, paths) in enumerate(wanted):
        out, todo = side.plan(paths)  # (an index cache is looked in here: ~10 ms, less than a forked child costs)
        results.append(out)
        for i in range(0, len(todo), _DIR_CHUNK):
            part = todo[i : i + _DIR_CHUNK]
            keys = side._keys or {}
            jobs.append((n, build.PathsJob(part, [keys.get(p, "") if side.vouched(p) else "" for p in part],
                                           side.listed.symlinks)))
    total = sum(len(job[1].paths) for job in jobs)  # type: ignore[attr-defined]
    if not total:
        return results
    contexts = [side.ctx for side, _p in wanted]
    size = workers if workers is not None else min(2, os.cpu_count() or 1)
    if total < DIR_FORK_THRESHOLD or size <= 1 or not readers.can_fork():
        _init_dir_reader(contexts)
        answers = map(_read_dir_job, jobs)
    else:
        _preload_notices()  # (once, not in each reader)
        answers = readers.run_forked(_read_dir_job, jobs, size, setup=partial(_init_dir_reader, contexts, True))
    done = 0
    try:
        for (n, paths_job), answer in zip(jobs, answers):
            side = wanted[n][0]
            chunk = unpacked(answer)  # type: ignore[arg-type]
            keys = side._keys or {}
            store = side.store
            links = side.listed.symlinks
            for path, outcome in zip(chunk.paths, build._outcomes(chunk)):
                results[n][path] = outcome
                key = keys.get(path)
                if store is not None and key and len(key) == 40 and path not in links:
                    store.put(path, key, outcome)
            side.read_count += len(paths_job.paths)  # type: ignore[attr-defined]
            done += len(paths_job.paths)  # type: ignore[attr-defined]
            if progress:
                progress("read", done, total)
    except readers.ReaderError as exc:
        raise DiffError(_reader_message(exc)) from None
    return results


class RevSide(Side):
    """A git revision, read from git's objects; outcomes cached by (path, blob id) (``BlobStore``)."""

    kind = "revision"

    def __init__(self, revision: rev_mod.Revision, use_cache: bool = True) -> None:
        self.revision = revision
        self.root = revision.repo
        self.rev = revision.rev
        self.ctx = rev_mod.revision_context(revision)
        self.use_cache = use_cache
        self.store = BlobStore.of(self.ctx.fingerprint, use_cache)
        self._listing: dict[str, rev_mod.Entry] | None = None
        #: The entries of the files a diff names, when the whole listing is not needed.
        self.partial: dict[str, rev_mod.Entry] | None = None
        self.read_count = 0

    def info(self) -> dict:
        return _rev_info(self.revision)

    def entries(self) -> dict[str, rev_mod.Entry]:
        if self._listing is None:
            self._listing = rev_mod.list_tree(self.revision.repo, self.revision.tree)
        return self._listing

    def listing(self) -> dict[str, str]:
        return {path: entry.oid for path, entry in self.entries().items()}

    def outcomes(self, paths: Iterable[str], progress: ProgressFn | None = None) -> dict[str, Outcome]:
        """The outcome of each path (from the store, else read): see ``_read_sides``."""
        return _read_sides([(self, list(paths))], progress)[0]

    def plan(self, paths: Iterable[str]) -> tuple[dict[str, Outcome], list[tuple[str, str]]]:
        """(outcomes known without reading, [(path, cat-file request)] to read)."""
        known = self.partial if self.partial is not None else self.entries()
        out: dict[str, Outcome] = {}
        todo: list[tuple[str, str]] = []
        ctx = self.ctx
        for path in paths:
            entry = known.get(path)
            if entry is None:
                continue
            if ctx.exclude.excluded(path):
                out[path] = ctx.evaluate(path, None)
            elif entry.mode == rev_mod.SYMLINK_MODE:
                todo.append((path, f"{self.revision.tree}:{path}"))  # followed as a checkout follows it
            else:
                got = self.store.get(path, entry.oid)
                if got is None:
                    todo.append((path, entry.oid))
                else:
                    out[path] = got
        return out, todo


class RevCheckoutSide(DirSide):
    """A git revision of a REUSE tree: its files written from git's objects to a temporary directory (the work
    tree untouched) and judged there as a directory, with the revision's REUSE.toml files, .reuse/dep5 and
    .license sidecars, as in a checkout of it. The directory is removed once the files are judged; the keys
    are git's blob ids, so that it compares with any other side."""

    kind = "revision"

    def __init__(self, revision: rev_mod.Revision) -> None:
        scratch = tempfile.mkdtemp(prefix="lictree-rev-checkout-")
        try:
            entries = rev_mod.write_out(revision, scratch)
            super().__init__(scratch, use_cache=False)
            links, listed = set(self.listed.symlinks), set(self.listed.paths)
            # a regular file's key is its blob id; a symlink's, the blob id of what it leads to (as a
            # directory side keys it)
            keys = {path: entry.oid for path, entry in entries.items()
                    if entry.mode != rev_mod.SYMLINK_MODE and path not in links}
            keys.update({path: _blob_id(os.path.join(scratch, path)) for path in set(entries) - set(keys)
                         if path in listed or path in links})
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        self.revision = revision
        self.rev = revision.rev
        self._keys, self._keys_partial = keys, False
        self._computed = set()

    @property
    def by_blob(self) -> bool:
        return False

    def info(self) -> dict:
        return _rev_info(self.revision)

    @property
    def git_objects(self) -> str | None:
        common = rev_mod.git(self.revision.repo, "rev-parse", "--path-format=absolute", "--git-common-dir",
                             check=False)
        objects = os.path.join(common.decode("utf-8", "surrogateescape").strip(), "objects")
        return objects if os.path.isdir(objects) else None

    def listing(self) -> dict[str, str]:
        assert self._keys is not None
        return self._keys

    def content_keys(self, paths: Iterable[str]) -> dict[str, str]:
        keys = self.listing()
        return {path: keys.get(path, "") for path in paths}

    def vouched(self, path: str) -> bool:
        return True  # (every key is a blob of the repository: git finds renames among them itself)


def _preload_notices() -> None:
    """The licence-notice matcher and its rule index loaded (built if missing) before readers are forked: they
    share it, rather than each loading it."""
    from tui.core.notices import reading as notice_reading

    if not notice_reading.available():
        return
    from tui.core.notices import index as notice_index

    try:
        if not notice_reading._MATCH:
            notice_reading._matcher()
        notice_index.get_index()
    except OSError:  # the rule data or its index cannot be read: the readers find no notice, as a scan would
        pass


#: Below this many blobs to read, forked readers cost more than they save.
FORK_THRESHOLD = 1500
_BLOB_CHUNK = 600
_job_state: dict = {}


def _init_blob_reader(contexts: list[Context], repos: list[str]) -> None:
    _job_state["contexts"], _job_state["repos"] = contexts, repos


def _read_blob_job(job: tuple[int, list[tuple[str, str]]]) -> list[tuple[str, object]]:
    """Reader: one chunk of one side's blobs read (its own ``git cat-file``) and evaluated."""
    side, todo = job
    ctx, repo = _job_state["contexts"][side], _job_state["repos"][side]
    out = []
    with rev_mod.BlobReader(repo) as reader:
        for (path, _request), (_r, data) in zip(todo, reader.read(r for _p, r in todo)):
            outcome = rev_mod.evaluate_blob(ctx, path, data)
            out.append((path, None if outcome is rev_mod.NOT_A_FILE else outcome))
    return out


def _read_sides(wanted: list[tuple[RevSide, list[str]]], progress: ProgressFn | None = None,
                workers: int | None = None) -> list[dict[str, Outcome]]:
    """The outcomes of the given paths of each revision side: from its store, the rest read from git's objects,
    in a few forked readers when there are many (each blob read once; stores updated)."""
    from tui.core import readers

    results: list[dict[str, Outcome]] = []
    jobs: list[tuple[int, list[tuple[str, str]]]] = []
    for n, (side, paths) in enumerate(wanted):
        out, todo = side.plan(paths)
        results.append(out)
        jobs.extend((n, todo[i : i + _BLOB_CHUNK]) for i in range(0, len(todo), _BLOB_CHUNK))
    total = sum(len(job[1]) for job in jobs)
    if not total:
        return results
    contexts = [side.ctx for side, _p in wanted]
    repos = [side.revision.repo for side, _p in wanted]
    size = workers if workers is not None else min(2, os.cpu_count() or 1)
    if total < FORK_THRESHOLD or size <= 1 or not readers.can_fork():
        _init_blob_reader(contexts, repos)
        answers = map(_read_blob_job, jobs)
    else:
        _preload_notices()
        answers = readers.run_forked(_read_blob_job, jobs, size, setup=partial(_init_blob_reader, contexts, repos))
    done = 0
    try:
        for (n, todo), answer in zip(jobs, answers):
            side = wanted[n][0]
            for (path, request), (_path, outcome) in zip(todo, answer):
                side.read_count += 1
                if outcome is None:
                    continue
                results[n][path] = outcome  # type: ignore[assignment]
                if ":" not in request:
                    side.store.put(path, request, outcome)  # type: ignore[arg-type]
            done += len(todo)
            if progress:
                progress("read", done, total)
    except readers.ReaderError as exc:
        raise DiffError(_reader_message(exc)) from None
    return results


def _reader_message(exc: Exception) -> str:
    """The one line a reader's failure comes to: its last line, without the exception's class name."""
    lines = str(exc).strip().splitlines() or ["a reader process failed"]
    return re.sub(r"^[\w.]+(?:Error|Exception): ", "", lines[-1])


class BlobStore:
    """Outcomes by (path, blob id), for one context fingerprint, kept in the cache directory: a revision's
    blobs are read once. (The outcome depends on the path too: its file type, its rules.)"""

    def __init__(self, fingerprint: str, use_cache: bool = True) -> None:
        self.fingerprint = fingerprint
        self.use_cache = use_cache
        name = hashlib.sha1(f"{__version__}:{fingerprint}".encode()).hexdigest()[:20]
        self.path = os.path.join(cache_mod.cache_dir(), f"blobs-{name}.pickle")
        self.data: dict[str, Outcome] = {}
        self.dirty = False
        if use_cache:
            try:  # (thousands of small objects, no cycle: the collector would only slow the load)
                with collector_paused(), open(self.path, "rb") as handle:
                    loaded = pickle.load(handle)
                if isinstance(loaded, dict):
                    self.data = loaded
            except Exception:  # missing or unreadable: an empty store
                pass

    _open: ClassVar[dict[tuple[str, bool], BlobStore]] = {}

    @classmethod
    def of(cls, fingerprint: str, use_cache: bool = True) -> BlobStore:
        """The store of *fingerprint*, one per process (both sides of a diff often share it)."""
        key = (f"{cache_mod.cache_dir()}:{fingerprint}", use_cache)
        store = cls._open.get(key)
        if store is None:
            store = cls._open[key] = cls(fingerprint, use_cache)
        return store

    def get(self, path: str, oid: str) -> Outcome | None:
        return self.data.get(f"{path}\0{oid}")

    def put(self, path: str, oid: str, outcome: Outcome) -> None:
        self.data[f"{path}\0{oid}"] = outcome
        self.dirty = True

    def put_many(self, items: Iterable[tuple[str, str, Outcome]]) -> None:
        """``put`` of each (path, blob id, outcome)."""
        given = {f"{path}\0{oid}": outcome for path, oid, outcome in items}
        if given:
            self.data.update(given)
            self.dirty = True

    def save(self) -> None:
        if not (self.use_cache and self.dirty):
            return
        data = self.data
        try:  # equal outcomes made one object: pickled once, loaded once (a kernel's 11,000 blobs have ~300)
            same: dict[Outcome, Outcome] = {}
            # (each object compared once: most are shared already, and an outcome's hash is not kept)
            by_id = {id(outcome): outcome for outcome in data.values()}
            one = {ident: same.setdefault(outcome, outcome) for ident, outcome in by_id.items()}
            data = {key: one[id(outcome)] for key, outcome in data.items()}
        except TypeError:  # an outcome that does not hash: kept as it is
            pass
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with replacing(self.path) as handle:
                pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
            self.dirty = False
        except OSError:
            pass


def open_sides(old: str, new: str, repo: str | None = None, use_cache: bool = True,
               started: StartedPair | None = None) -> tuple[Side, Side]:
    """``open_side`` of both (two directories are listed at the same time; *started*: their listings, started
    early)."""
    from tui.core.scan import start_listing

    if started is not None and started.roots == (os.path.abspath(old), os.path.abspath(new)):
        return (open_side(old, repo, use_cache, started.listings[0]),
                open_side(new, repo, use_cache, started.listings[1]))
    listings = {spec: start_listing(os.path.abspath(spec)) for spec in (old, new) if os.path.isdir(spec)}
    return open_side(old, repo, use_cache, listings.get(old)), open_side(new, repo, use_cache, listings.get(new))


def open_side(spec: str, repo: str | None = None, use_cache: bool = True, started: Callable | None = None) -> Side:
    """A directory (any tree lictree opens) or a revision of *repo* (default: the repository of the current
    directory); DiffError with one line when it is neither. *started*: the directory's listing, started."""
    if os.path.isdir(spec):
        try:
            return DirSide(spec, use_cache, started)
        except TreeError as exc:
            raise DiffError(str(exc)) from None
    where = repo if repo is not None else os.getcwd()
    top = rev_mod.repository_of(where)
    if top is None:
        if os.path.exists(spec):
            raise DiffError(f"{spec}: not a directory")
        if repo is not None:
            raise DiffError(f"{repo}: not a git repository")
        raise DiffError(f"{spec}: neither a directory nor a revision (not in a git repository: give --repo)")
    try:
        revision = rev_mod.resolve(top, spec)
    except rev_mod.RevisionError as exc:
        if os.path.exists(spec):
            raise DiffError(f"{spec}: not a directory") from None
        raise DiffError(f"{spec}: neither a directory nor a revision of {top} ({exc})") from None
    try:
        side = RevSide(revision, use_cache)
        if side.ctx.reuse is not None:  # REUSE.toml, dep5 and sidecars apply: judged as a checkout would be
            return RevCheckoutSide(revision)
        return side
    except (rev_mod.RevisionError, TreeError) as exc:
        raise DiffError(str(exc)) from None
    except OSError as exc:
        raise DiffError(f"{spec}: cannot write out the revision ({exc.strerror or exc})") from None


# The diff ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class FileDiff:
    """One file in the diff. ``same_license``: for renamed and changed files, whether the effective licence
    is the same licence (only its spelling changed); None for added and removed files."""

    path: str
    change: str
    old: Verdict | None
    new: Verdict | None
    old_path: str | None = None
    same_license: bool | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def license_changed(self) -> bool:
        return self.same_license is False

    def as_json(self) -> dict:
        return {"path": self.path, "old_path": self.old_path, "change": self.change, "same_license": self.same_license,
                "old": self.old.as_json() if self.old else None, "new": self.new.as_json() if self.new else None,
                "findings": [{"rule": f.rule, "severity": f.severity, "line": f.line, "message": f.message}
                             for f in self.findings]}


@dataclass(slots=True)
class Diff:
    """What changed between two sides (``compare``)."""

    old: dict
    new: dict
    files: list[FileDiff]
    #: Files whose content changed but whose verdict did not: counted, not listed.
    modified_same: int = 0
    #: LICENSES/ files added, removed, changed (by content); ids declared by LICENSES/ that appeared or went.
    licenses_dir: dict = field(default_factory=dict)
    #: Licence and exception ids (folded) that the new side's files carry and the old side's did not.
    new_ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: COPYING defaults of both sides.
    copying: tuple[str | None, str | None] = (None, None)
    files_read: int = 0
    #: How each folded id (``fold_id``) is spelled in reports: as the trees' LICENSES/ spell it.
    spellings: dict[str, str] = field(default_factory=dict)

    def spelled(self, key: str) -> str:
        return self.spellings.get(key, key)

    @property
    def by_path(self) -> dict[str, FileDiff]:
        return {f.path: f for f in self.files}

    def counts(self) -> Counter:
        found = Counter(f.change for f in self.files)
        return Counter({kind: found.get(kind, 0) for kind in CHANGE_KINDS})

    def license_deltas(self) -> dict[str, list[int]]:
        """Per licence id (folded; exceptions too): [files that gained it, files that lost it]."""
        deltas: dict[str, list[int]] = {}
        for item in self.files:
            before = set(map(_fold, ids_of(item.old.effective if item.old else None)))
            after = set(map(_fold, ids_of(item.new.effective if item.new else None)))
            for name in after - before:
                deltas.setdefault(name, [0, 0])[0] += 1
            for name in before - after:
                deltas.setdefault(name, [0, 0])[1] += 1
        return dict(sorted((self.spelled(k), v) for k, v in deltas.items()))

    def dir_delta(self, directory: str) -> dict[str, int]:
        """Net change per licence id of the files at or below *directory* ("" for all): {id: +n or -n}."""
        below = directory + "/" if directory else ""
        net: Counter = Counter()
        for item in self.files:
            if below and not (item.path.startswith(below) or (item.old_path or "").startswith(below)):
                continue
            old_in = not below or (item.old_path or item.path).startswith(below)
            new_in = not below or item.path.startswith(below)
            for name in set(map(_fold, ids_of(item.new.effective if item.new and new_in else None))):
                net[name] += 1
            for name in set(map(_fold, ids_of(item.old.effective if item.old and old_in else None))):
                net[name] -= 1
        return {self.spelled(name): n for name, n in sorted(net.items()) if n}

    def summary(self) -> dict:
        counts = self.counts()
        changed = [f for f in self.files if f.change in ("changed", "renamed")]
        return {
            "files": {**counts, "license_changed": sum(f.same_license is False for f in self.files),
                      "spelling_only": sum(f.same_license is True and f.old is not None and f.new is not None
                                           and f.old.effective != f.new.effective for f in changed),
                      "modified_same_verdict": self.modified_same},
            "licenses": {name: {"added": a, "removed": r} for name, (a, r) in self.license_deltas().items()},
            "new_ids": self.new_ids,
            "licenses_dir": self.licenses_dir,
            "untagged_added": sum(1 for f in self.files if f.new is not None and f.new.status == "untagged"
                                  and (f.old is None or f.old.status != "untagged")),
            "copying": {"old": self.copying[0], "new": self.copying[1]},
            "notes": self.notes,
        }

    def fails(self, condition: str) -> bool:
        """Whether ``--fail-on condition`` makes the exit status 1."""
        if condition == "license-change":
            return any(f.same_license is False for f in self.files)
        if condition == "new-license":
            return bool(self.new_ids)
        if condition == "untagged":
            return self.summary()["untagged_added"] > 0
        return False


def _fold(license_id: str) -> str:
    return fold_id(license_id, None)


def _spellings(files: list[FileDiff], catalogs: tuple[Catalog, ...]) -> dict[str, str]:
    """How each folded id of the diff is spelled: GPL-2.0-only, else as LICENSES/ spells it, else as written."""
    out: dict[str, str] = {}
    for item in files:
        for verdict in (item.old, item.new):
            for license_id in ids_of(verdict.effective if verdict else None):
                key = _fold(license_id)
                if key in out:
                    continue
                match = _GNU.match(key)
                if match:
                    out[key] = f"{match.group(1)}-{match.group(2)}{key[len(match.group(1)) + 4:].lower()}"
                    continue
                spelled = license_id
                for catalog in catalogs:
                    if catalog.license(key) or catalog.exception(key):
                        spelled = catalog.canonical(license_id)
                        break
                out[key] = spelled
    return out


def _new_findings(old: Verdict | None, new: Verdict | None) -> tuple[Finding, ...]:
    if new is None:
        return ()
    if old is None:
        return new.findings
    before = Counter((f.rule, f.message) for f in old.findings)
    fresh = []
    for finding in new.findings:
        key = (finding.rule, finding.message)
        if before[key] > 0:
            before[key] -= 1
        else:
            fresh.append(finding)
    return tuple(fresh)


class _Comparer:
    def __init__(self, old: Side, new: Side) -> None:
        self.old, self.new = old, new
        self._keys: dict[tuple[str, str], str | None] = {}

    def same(self, a: Verdict | None, b: Verdict | None) -> bool | None:
        if a is None or b is None:
            return None
        if a.effective is None or b.effective is None:
            return a.effective == b.effective
        if a.effective == b.effective:
            return True
        return self.key(a.effective, self.old.ctx.catalog) == self.key(b.effective, self.new.ctx.catalog)

    def key(self, expression: str, catalog: Catalog) -> str | None:
        got = self._keys.get((expression, catalog.fingerprint))
        if got is None:
            got = self._keys[(expression, catalog.fingerprint)] = license_key(expression, catalog)
        return got


def compare(old: Side, new: Side, progress: ProgressFn | None = None, index_diff: IndexDiff | None = None) -> Diff:
    """The diff of two sides (``open_side``); *index_diff*: git's diff of two directories' indexes, asked while
    they were listed (``dirpair.start_pair``)."""
    plan: Plan | None = None
    if isinstance(old, RevSide) and isinstance(new, RevSide) and old.revision.repo == new.revision.repo:
        plan = _plan_revisions(old, new)
    elif isinstance(old, DirSide) and isinstance(new, DirSide):
        plan = _plan_git_dirs(old, new, index_diff)
    if plan is None:
        plan = _plan_listings(old, new)
    if index_diff is not None:
        index_diff.close()  # (git's diff of the indexes, when it was not wanted: stopped and reaped)
    added, removed, renames, common, modified = plan
    old_paths = [*removed, *common]  # (renamed files among them: git looks for them meanwhile)
    new_paths = [*added, *common]
    wanted = ((old, old_paths), (new, new_paths))
    revs = [(side, paths) for side, paths in wanted if isinstance(side, RevSide)]
    dirs = [(side, paths) for side, paths in wanted if isinstance(side, DirSide)]
    read = iter([*_read_sides(revs, progress), *_read_dirs(dirs, progress)])
    if isinstance(new, RevSide) and not isinstance(old, RevSide):  # (the order read: revisions first)
        new_out, old_out = next(read), next(read)
    else:
        old_out, new_out = next(read), next(read)
    renamed = renames()
    if renamed:
        gone_old, gone_new = {o for o, _n in renamed}, {n for _o, n in renamed}
        added = [p for p in added if p not in gone_new]
        removed = [p for p in removed if p not in gone_old]
    old_copying, new_copying = old.ctx.catalog.copying_default, new.ctx.catalog.copying_default
    comparer = _Comparer(old, new)
    files: list[FileDiff] = []
    modified_same = 0

    def verdicts(path_old: str | None, path_new: str | None) -> tuple[Verdict | None, Verdict | None]:
        a = old_out.get(path_old) if path_old else None
        b = new_out.get(path_new) if path_new else None
        return (verdict_of(a, old_copying) if a is not None else None,
                verdict_of(b, new_copying) if b is not None else None)

    for path in added:
        _a, b = verdicts(None, path)
        if b is not None:
            files.append(FileDiff(path, "added", None, b, findings=b.findings))
    for path in removed:
        a, _b = verdicts(path, None)
        if a is not None:
            files.append(FileDiff(path, "removed", a, None))
    for path_old, path_new in renamed:
        a, b = verdicts(path_old, path_new)
        if a is None or b is None:
            if b is not None:
                files.append(FileDiff(path_new, "added", None, b, findings=b.findings))
            if a is not None:
                files.append(FileDiff(path_old, "removed", a, None))
            continue
        files.append(FileDiff(path_new, "renamed", a, b, path_old, comparer.same(a, b), _new_findings(a, b)))
    same_copying = old_copying == new_copying
    for path in common:
        if same_copying:
            x, y = old_out.get(path), new_out.get(path)
            if x is not None and y is not None and (x is y or (
                    x.status == y.status and x.expression == y.expression and x.notice == y.notice
                    and x.origin == y.origin)):  # the same key (``Verdict.key``)
                if path in modified:
                    modified_same += 1
                continue
        a, b = verdicts(path, path)
        if a is None and b is None:
            continue
        if a is None or b is None:  # a symlink that became one to a directory, or the reverse
            files.append(FileDiff(path, "added" if a is None else "removed", a, b))
            continue
        if a.key != b.key:
            files.append(FileDiff(path, "changed", a, b, None, comparer.same(a, b), _new_findings(a, b)))
        elif path in modified:
            modified_same += 1
    files.sort(key=lambda f: f.path)
    diff = Diff({**old.info(), "kind": old.ctx.kind}, {**new.info(), "kind": new.ctx.kind}, files, modified_same,
                copying=(old_copying, new_copying))
    diff.licenses_dir = _licenses_dir(old, new, added, removed, renamed, modified)
    diff.new_ids = _new_ids(old, new, files, old_out)
    diff.spellings = _spellings(files, (new.ctx.catalog, old.ctx.catalog))
    diff.files_read = sum(getattr(side, "read_count", 0) for side in (old, new))
    if not old.ctx.catalog.has_licenses_dir or not new.ctx.catalog.has_licenses_dir:
        which = " and ".join(s for s, side in (("old", old), ("new", new)) if not side.ctx.catalog.has_licenses_dir)
        diff.notes.append(f"the {which} side has no LICENSES/: its tags are judged without a catalog "
                          "(every id unknown)")
    for side in (old, new):
        store = getattr(side, "store", None)
        if store is not None:
            store.save()
    return diff


#: (added, removed, renames, common, modified): what was added and removed, renamed files among them (``renames()``
#: says which), the paths whose verdicts are compared, and those whose content changed.
Plan = tuple[list[str], list[str], "Renames", list[str], set[str]]


def _plan_revisions(old: RevSide, new: RevSide) -> Plan:
    """Two revisions of one repository: the paths ``git diff-tree -M`` names, and, when the two contexts differ
    (LICENSES/, COPYING or spdxexclude changed), every other file too (its verdict may have changed)."""
    repo = old.revision.repo
    try:
        changes = rev_mod.changed_paths(repo, old.revision.tree, new.revision.tree)
    except rev_mod.RevisionError as exc:
        raise DiffError(str(exc)) from None
    added, removed, renamed, common = [], [], [], []
    old_entries: dict[str, rev_mod.Entry] = {}
    new_entries: dict[str, rev_mod.Entry] = {}
    modified: set[str] = set()
    for change in changes:
        if change.old is not None and change.old_path is not None:
            old_entries[change.old_path] = change.old
        if change.new is not None and change.new_path is not None:
            new_entries[change.new_path] = change.new
        if change.status == "A":
            added.append(change.new_path)
        elif change.status == "D":
            removed.append(change.old_path)
        elif change.status == "R":
            renamed.append((change.old_path, change.new_path))
        else:
            common.append(change.new_path)
            modified.add(change.new_path)
    if old.ctx.fingerprint != new.ctx.fingerprint:
        # Every file may be judged differently: all of them are compared (each blob read once per context).
        listed_old, listed_new = old.entries(), new.entries()
        touched = set(removed) | set(added) | set(common) | {p for pair in renamed for p in pair}
        common.extend(p for p in listed_new if p in listed_old and p not in touched)
    else:
        old.partial, new.partial = old_entries, new_entries
    added.extend(n for _o, n in renamed)
    removed.extend(o for o, _n in renamed)
    return added, removed, partial(_given, renamed), common, modified  # type: ignore[return-value]


def _plan_git_dirs(old: DirSide, new: DirSide, index_diff: IndexDiff | None = None) -> Plan | None:
    """Two git work trees judged with the same context (else None: every file is compared): their ``git
    ls-files -s`` records compared (by git, ``dirpair.IndexDiff``, when it was asked, else here, as bytes). Only
    the paths whose records differ, and those git does not vouch for on either side (edited, untracked,
    symlinks: keyed by the blob id of their bytes), are looked at; a path whose record is the same on both
    sides holds the same bytes, and so has the same verdict."""
    if not (old.by_blob and new.by_blob) or old.ctx.fingerprint != new.ctx.fingerprint:
        return None
    found_by_git = index_diff.records() if index_diff is not None else None
    if index_diff is not None and index_diff.stamps not in (None, (old.listed.index_stamp, new.listed.index_stamp)):
        found_by_git = None  # (the indexes read were not the ones listed: one rewritten meanwhile)
    unmerged: set[str] = set()
    if found_by_git is not None:
        records: list[dict[str, tuple[bytes, str]]] = list(found_by_git)
    else:
        records = _differing_records(old, new, unmerged)
        if not (old.by_blob and new.by_blob):  # git failed when asked late: the trees were walked
            return None
    sides = (old, new)
    tracked_special = [{os.fsdecode(p) for p in side.listed.dirty} | (side.listed.symlinks - set(side.listed.extra))
                       for side in sides]
    extra = [set(side.listed.extra) for side in sides]
    # A path special on one side whose record is the same on both: tracked on both, with that record.
    shared = {p for n in (0, 1) for p in tracked_special[n] if p not in records[n]}
    special = tracked_special[0] | tracked_special[1] | extra[0] | extra[1] | unmerged | shared
    keys: list[dict[str, str]] = []
    for n, side in enumerate(sides):
        mine_keys: dict[str, str] = {}
        for path, (mode, oid) in records[n].items():
            if mode != b"160000" and path not in special:  # (a submodule is no file of the tree)
                mine_keys[path] = oid
        present = [p for p in special if (p in records[n] and records[n][p][0] != b"160000") or p in extra[n]
                   or p in shared]
        mine_keys.update(side.content_keys(present))
        keys.append(mine_keys)
        side.use_keys(mine_keys)
    a, b = keys
    added, removed, renames = _moves(old, new, a, b)
    modified = {p for p, key in a.items() if p in b and b[p] != key}
    return added, removed, renames, sorted(modified), modified


def _differing_records(old: DirSide, new: DirSide, unmerged: set[str]) -> list[dict[str, tuple[bytes, str]]]:
    """[old, new]: path -> (mode, blob id) of each side's ``ls-files -s`` records the other does not hold (the
    paths with unmerged stages added to *unmerged*)."""
    raws = [side.listed.staged() for side in (old, new)]
    sets = [set(raw.split(b"\0")) for raw in raws]
    sets[0].discard(b"")
    sets[1].discard(b"")
    only = [sets[0] - sets[1], sets[1] - sets[0]]
    del sets
    records: list[dict[str, tuple[bytes, str]]] = []
    for found in only:
        mine: dict[str, tuple[bytes, str]] = {}
        for record in found:
            meta, tab, raw_path = record.partition(b"\t")
            if not tab or len(meta) < 49:
                continue
            path = os.fsdecode(raw_path)
            if meta[48:] != b"0":
                unmerged.add(path)
            mine[path] = (meta[:6], meta[7:47].decode("ascii", "replace"))
        records.append(mine)
    return records


def _moves(old: Side, new: Side, a: dict[str, str], b: dict[str, str]) -> tuple[list[str], list[str], Renames]:
    """(added, removed, renames) between the paths of *a* (old) and *b* (new): what gives the renames git finds
    among what was added and removed (``_renames``), which the diff counts as neither."""
    removed = sorted(p for p in a if p not in b)
    added = sorted(p for p in b if p not in a)
    return added, removed, _renames(old, new, removed, added)


def _plan_listings(old: Side, new: Side) -> Plan:
    """Any two sides: their listings compared path by path, renames found by git among what was added and
    removed (``_renames``)."""
    a, b = old.listing(), new.listing()
    common_all = [p for p in b if p in a]
    added, removed, renames = _moves(old, new, a, b)
    modified = {p for p in common_all if a[p] != b[p]}
    if old.ctx.fingerprint == new.ctx.fingerprint and old.ctx.reuse is None and new.ctx.reuse is None:
        common = sorted(modified)  # same bytes, same path, same context: same verdict
    else:
        common = common_all  # LICENSES/, COPYING or spdxexclude changed (or a REUSE tree's REUSE.toml, dep5 or
        # a sidecar, which the context does not hold): every verdict may have
    return added, removed, renames, common, modified


def _renames(old: Side, new: Side, removed: list[str], added: list[str]) -> Renames:
    """What gives (old path, new path) of the files git takes for renamed among *removed* and *added*
    (``_Scratch``), kept in the cache by the paths and blob ids asked about: when not kept, git looks for them
    in a forked child (``readers.forked_call``) while the caller reads the files' verdicts."""
    if not (removed and added):
        return _no_renames
    a, b = old.known_keys(), new.known_keys()
    gone = {p: a[p] for p in removed if a.get(p)}
    came = {p: b[p] for p in added if b.get(p)}
    if not (gone and came):
        return _no_renames
    use_cache = getattr(old, "use_cache", True) and getattr(new, "use_cache", True)
    digest = hashlib.sha1(__version__.encode())
    for files in (gone, came):
        for path, oid in sorted(files.items()):
            digest.update(os.fsencode(path) + b"\0" + oid.encode() + b"\0")
        digest.update(b"\1")
    path = os.path.join(cache_mod.cache_dir(), f"renames-{digest.hexdigest()[:20]}.pickle")
    if use_cache:
        try:
            with open(path, "rb") as handle:
                kept = pickle.load(handle)
            if isinstance(kept, list):
                return partial(_given, kept)  # type: ignore[return-value]
        except Exception:  # none kept yet, or unreadable
            pass
    from tui.core import readers

    find = partial(_find_renames, old, new, gone, came, path if use_cache else "")
    pending = readers.forked_call(find)

    def found() -> list[tuple[str, str]]:
        try:
            return pending()
        except readers.ReaderError:  # the child failed: looked for here
            return find()

    return found


#: What gives the renames a diff found (``_renames``), when they are wanted.
Renames = Callable[[], list[tuple[str, str]]]


def _no_renames() -> list[tuple[str, str]]:
    return []


def _find_renames(old: Side, new: Side, gone: dict[str, str], came: dict[str, str],
                  path: str) -> list[tuple[str, str]]:
    """``_renames`` looked for: by git, in a scratch repository; kept at *path* (unless "")."""
    scratch = _Scratch()
    try:
        for side, files in ((old, gone), (new, came)):
            if isinstance(side, DirSide):
                scratch.write_blobs(side.root, {p: k for p, k in files.items() if not side.vouched(p)})
        found = scratch.renames(gone, came, [old, new])
    finally:
        scratch.close()
    if path and found is not None:
        try:
            os.makedirs(cache_mod.cache_dir(), exist_ok=True)
            with replacing(path) as handle:
                pickle.dump(found, handle, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:
            pass
    return found or []


class _Scratch:
    """A temporary bare repository to let git find renames among blobs of other repositories (their object
    directories as alternates; the bytes of files git does not vouch for given to it).

    Both sides' trees are made by one ``git fast-import`` (one pack, where ``update-index`` and ``write-tree``
    would write a loose object per tree: costly on a busy disk), then compared by ``git diff-tree -M``. Nothing
    is written through the alternates (``write-tree`` "freshens" the mtime of a scanned tree's pack when it
    holds a tree it writes, e.g. that of a directory wholly added)."""

    def __init__(self) -> None:
        self.dir: str | None = None
        self.blobs: dict[str, bytes] = {}  # blob id -> bytes, for files git does not vouch for
        self.unread: set[str] = set()  # such files that could not be read as listed: left out

    def repo(self) -> str:
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="lictree-diff-")
            for part in ("objects", "objects/info", "refs"):
                os.mkdir(os.path.join(self.dir, part))
            with open(os.path.join(self.dir, "HEAD"), "w") as handle:
                handle.write("ref: refs/heads/main\n")
        return self.dir

    def close(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def write_blobs(self, root: str, files: dict[str, str]) -> None:
        """The bytes of each file (path -> its blob id) kept to be given to git (a file that changed since it
        was listed, or cannot be read, is left out of the search)."""
        for path, oid in files.items():
            try:
                with open(os.path.join(root, path), "rb") as handle:
                    data = handle.read()
            except OSError:
                self.unread.add(path)
                continue
            if hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == oid:
                self.blobs[oid] = data
            else:
                self.unread.add(path)

    def _stream(self, removed: dict[str, str], added: dict[str, str]) -> bytes:
        """``git fast-import``'s input: the blobs given, a commit of each side's files, and both commits' ids
        asked for."""
        parts = []
        marks = {}
        for n, (oid, data) in enumerate(self.blobs.items(), 3):
            marks[oid] = b":%d" % n
            parts += [b"blob\nmark :%d\ndata %d\n" % (n, len(data)), data, b"\n"]
        for n, files in ((1, removed), (2, added)):
            parts.append(b"commit refs/heads/side%d\nmark :%d\ncommitter lictree <lictree> 0 +0000\ndata 0\n"
                         % (n, n))
            for path, oid in files.items():
                if oid and path not in self.unread:
                    ref = marks.get(oid) or oid.encode("ascii", "replace")
                    parts.append(b"M 100644 " + ref + b" " + _fast_import_path(path) + b"\n")
            parts.append(b"\n")
        parts.append(b"get-mark :1\nget-mark :2\n")
        return b"".join(parts)

    def renames(self, removed: dict[str, str], added: dict[str, str],
                sides: list[Side]) -> list[tuple[str, str]] | None:
        """(old path, new path) of the files git takes for renamed (50% alike) among *removed* and *added*
        (path -> blob id); None when git could not tell."""
        repo = self.repo()
        alternates = []
        for side in sides:
            if isinstance(side, RevSide):
                common = rev_mod.git(side.revision.repo, "rev-parse", "--path-format=absolute", "--git-common-dir",
                                     check=False)
                objects: str | None = os.path.join(common.decode().strip(), "objects")
            else:
                objects = getattr(side, "git_objects", None)
            if objects and os.path.isdir(objects):
                alternates.append(objects)
        if alternates:
            with open(os.path.join(repo, "objects", "info", "alternates"), "w") as handle:
                handle.write("\n".join(alternates) + "\n")
        try:  # (unpackLimit 0: one pack, however few the objects, not a loose file each)
            commits = rev_mod.git(repo, "-c", "fastimport.unpackLimit=0", "fast-import", "--quiet",
                                  data=self._stream(removed, added)).split()
        except rev_mod.RevisionError:  # (a blob id none of the repositories holds)
            return None
        if len(commits) != 2:
            return None
        try:
            changes = rev_mod.changed_paths(repo, commits[0].decode(), commits[1].decode())
        except rev_mod.RevisionError:
            return None
        return [(c.old_path, c.new_path) for c in changes if c.status == "R" and c.old_path and c.new_path]


def _fast_import_path(path: str) -> bytes:
    """*path* as ``git fast-import`` reads it: as it is, or C-quoted when it would not read back so."""
    raw = os.fsencode(path)
    if not raw.startswith(b'"') and all(32 <= c < 127 and c != 92 for c in raw):
        return raw
    return b'"' + b"".join(b"\\%03o" % c if c < 32 or c >= 127 or c in (34, 92) else bytes([c]) for c in raw) + b'"'


def _licenses_dir(old: Side, new: Side, added: list[str], removed: list[str], renamed: list[tuple[str, str]],
                  modified: set[str]) -> dict:
    def licence_file(path: str) -> bool:
        return path.startswith("LICENSES/")

    before = {i for i in old.ctx.catalog.licenses} | {i for i in old.ctx.catalog.exceptions}
    after = {i for i in new.ctx.catalog.licenses} | {i for i in new.ctx.catalog.exceptions}
    spelled = {**{k: e.ids[0] if e.ids else k for k, e in old.ctx.catalog.licenses.items()}}
    for catalog in (old.ctx.catalog, new.ctx.catalog):
        for table in (catalog.licenses, catalog.exceptions):
            for key, entry in table.items():
                spelled[key] = next((i for i in entry.ids if i.upper() == key), key)
    return {
        "added": sorted([p for p in added if licence_file(p)] + [n for o, n in renamed if licence_file(n)]),
        "removed": sorted([p for p in removed if licence_file(p)] + [o for o, n in renamed if licence_file(o)]),
        "changed": sorted(p for p in modified if licence_file(p)),
        "ids_added": sorted(spelled[k] for k in after - before),
        "ids_removed": sorted(spelled[k] for k in before - after),
    }


def _new_ids(old: Side, new: Side, files: list[FileDiff], old_out: dict[str, Outcome]) -> list[str]:
    """Ids the new side's files carry and no file of the old side did. The old side's files: all of them for a
    directory indexed whole; for a revision, or a git tree compared by blob id, those the diff read, and its
    LICENSES/ (an id it declares counts as known)."""
    seen: set[str] = set()
    if isinstance(old, DirSide) and not old.by_blob and old.index is not None:
        exprs, _sources = old.index.effective_columns()
        for expression in set(exprs):
            seen.update(map(_fold, ids_of(expression)))
    else:
        copying = old.ctx.catalog.copying_default
        expressions = set()
        for outcome in {id(outcome): outcome for outcome in old_out.values()}.values():  # (most are shared)
            found = effective(outcome.status, outcome.expression, outcome.notice, copying)
            if found:
                expressions.add(found[0])
        for expression in expressions:
            seen.update(map(_fold, ids_of(expression)))
        for table in (old.ctx.catalog.licenses, old.ctx.catalog.exceptions):
            for entry in table.values():
                seen.update(_fold(i) for i in entry.ids if " " not in i)
    fresh: dict[str, str] = {}
    for item in files:
        if item.new is not None:
            for license_id in ids_of(item.new.effective):
                if _fold(license_id) not in seen:
                    fresh.setdefault(_fold(license_id), license_id)
    return sorted(fresh.values())


# Kept diffs ----------------------------------------------------------------------------------------


def _kept_path(old: rev_mod.Revision, new: rev_mod.Revision) -> str:
    from tui.core import rules as rules_mod
    from tui.core.notices import reading as notice_reading

    key = f"{__version__}:{rules_mod.fingerprint()}:{notice_reading.fingerprint()}:{old.tree}:{new.tree}"
    return os.path.join(cache_mod.cache_dir(), f"diff-{hashlib.sha1(key.encode()).hexdigest()[:20]}.pickle")


def kept_or_compared(old_spec: str, new_spec: str, repo: str | None = None, use_cache: bool = True,
                     progress: ProgressFn | None = None, started: StartedPair | None = None) -> Diff:
    """``compare`` of two sides; two revisions' diff is kept in the cache by their trees (a tree id names
    every file, LICENSES/ included), so that asking again reads nothing at all. *started*: two directories'
    listings, started early (``dirpair.start_pair``)."""
    if use_cache and os.path.isdir(old_spec) and os.path.isdir(new_spec):
        return _kept_directories(old_spec, new_spec, progress, started)
    revisions = None
    if use_cache and not os.path.isdir(old_spec) and not os.path.isdir(new_spec):
        top = rev_mod.repository_of(repo if repo is not None else os.getcwd())
        if top is not None:
            try:
                revisions = rev_mod.resolve(top, old_spec), rev_mod.resolve(top, new_spec)
            except rev_mod.RevisionError:
                revisions = None  # open_side says why
    if revisions is not None:
        path = _kept_path(*revisions)
        try:
            with open(path, "rb") as handle:
                kept = pickle.load(handle)
            if isinstance(kept, Diff):
                kept.old, kept.new = _rev_info(revisions[0]), _rev_info(revisions[1])
                kept.files_read = 0
                return kept
        except Exception:  # none kept yet, or unreadable
            pass
    old, new = open_sides(old_spec, new_spec, repo, use_cache, started)
    diff = compare(old, new, progress, started.index_diff if started is not None else None)
    if revisions is not None and isinstance(old, RevSide) and isinstance(new, RevSide):
        try:
            os.makedirs(cache_mod.cache_dir(), exist_ok=True)
            with replacing(_kept_path(old.revision, new.revision)) as handle:
                pickle.dump(diff, handle, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:
            pass
    return diff


def _kept_directories(old_spec: str, new_spec: str, progress: ProgressFn | None,
                      started: StartedPair | None = None) -> Diff:
    """``compare`` of two directories, kept (one diff per pair of directories) with both listings' signatures
    and contexts: while neither tree changed, asking again loads neither index."""
    from tui.core import rules as rules_mod
    from tui.core.notices import reading as notice_reading
    from tui.core.tree import check_root

    try:
        roots = [check_root(spec) for spec in (old_spec, new_spec)]
    except TreeError as exc:
        if started is not None and started.index_diff is not None:
            started.index_diff.close()
        raise DiffError(str(exc)) from None
    path = kept_dirs_path(*roots)
    if started is None or started.roots != tuple(roots):
        started = start_pair(roots[0], roots[1], True, index_diff=not os.path.exists(path))
    contexts = [Context(root) for root in roots]  # (while git lists the trees)
    if started.index_diff is not None:  # no diff of them kept: their verdicts by blob id will be wanted
        for ctx in contexts:
            BlobStore.of(ctx.fingerprint, True)
        from tui.core import build, readers  # noqa: F401 - (what reading files needs, imported meanwhile)
    listed = started.finish()
    parts = [__version__, rules_mod.fingerprint(), notice_reading.fingerprint()]
    for root, listing, ctx in zip(roots, listed, contexts):
        parts += [os.path.realpath(root), listing.signature, ctx.fingerprint]
    key = "\0".join(parts) if all(listing.signature for listing in listed) else ""
    if key:
        try:
            with open(path, "rb") as handle:
                kept_key, kept = pickle.load(handle)
            if kept_key == key and isinstance(kept, Diff):
                if started.index_diff is not None:
                    started.index_diff.close()
                kept.files_read = 0
                return kept
        except Exception:  # none kept yet, of another state of the trees, or unreadable
            pass
    old = DirSide(roots[0], True, partial(_given, listed[0]), contexts[0])
    new = DirSide(roots[1], True, partial(_given, listed[1]), contexts[1])
    diff = compare(old, new, progress, started.index_diff)
    if key:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with replacing(path) as handle:
                pickle.dump((key, diff), handle, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:
            pass
    return diff


def _given(value: object) -> object:
    return value


def _rev_info(revision: rev_mod.Revision) -> dict:
    return {"root": revision.repo, "rev": revision.rev, "commit": revision.commit or None, "tree": revision.tree}
