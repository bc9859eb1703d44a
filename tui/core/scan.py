"""List the files of a tree and read what the rules need, never writing inside the tree.

A git checkout is listed with ``git ls-files`` (tracked, plus untracked files that are not
ignored) and checked for edits with ``git diff-files``; any other tree with ``os.scandir``.
Only the head of a file is read, except C sources, whose body is searched (as bytes) for
``MODULE_LICENSE("...")``. FIFOs, sockets and device nodes are never opened; symlinks are
followed only when they stay inside the tree.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import NamedTuple

from tui.core.headers import HEAD_SEARCH, MAX_LINES, Header, extract_header, header_from
from tui.core.notices import candidates as _candidates

HEAD_BYTES = 4096
MAX_HEAD_BYTES = 1 << 18
MAX_BODY_BYTES = 16 << 20
BODY_SUFFIXES = (".c",)
_MODULE_LICENSE_RE = re.compile(rb'MODULE_LICENSE\s*\(\s*"([^"\n]*)"\s*\)')
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

try:  # the per-file reading in C (optional: read_facts does the same in Python without it)
    from tui.core import _fastread
except ImportError:  # pragma: no cover - depends on the install
    _fastread = None
else:
    _fastread.configure(HEAD_BYTES, MAX_HEAD_BYTES, MAX_BODY_BYTES, HEAD_SEARCH, MAX_LINES)
    if hasattr(_fastread, "configure_notices"):  # (a C reader built before notices: rebuilt on install)
        _fastread.configure_notices(_candidates.LICENCE_WORDS, _candidates.LICENCE_TEXT, _candidates.HEAD_BYTES,
                                    _candidates.TAGGED_HEAD)
    else:
        _fastread = None
if os.environ.get("LICTREE_PURE_PYTHON"):
    _fastread = None
#: Set by git hooks (or a user) to point git at another repository: the tree alone must decide.
_GIT_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR")


def _git_env(root: str) -> dict[str, str]:
    """git's environment: no lock files, and no discovery above *root* (a broken .git must not
    make git answer for an enclosing repository)."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_REDIRECTS}
    env.update(GIT_OPTIONAL_LOCKS="0", LC_ALL="C", GIT_CEILING_DIRECTORIES=os.path.dirname(os.path.realpath(root)))
    return env


class Facts(NamedTuple):
    """What reading one file found: its header, MODULE_LICENSE strings, or why it was not read.

    ``modules`` holds (byte offset, string) of each ``MODULE_LICENSE("...")``; ``body`` is the
    bytes that were read (the whole of a C source, the head of any other file) while the rules
    run, so a rule can turn an offset into a line with ``line_at`` or look at the first lines
    without reading the file again. It is never stored.
    """

    header: Header | None
    modules: tuple[tuple[int, str], ...] = ()
    error: str | None = None
    size: int = 0
    body: bytes = b""


#: Why a git submodule is left out of the scan.
SUBMODULE = "git submodule: not scanned"
#: A file that was listed but is gone when read: not part of the tree any more.
VANISHED = Facts(None, error="vanished during the scan")
#: How ``Listing.skipped`` starts the reason of a directory that could not be listed (its files are unknown).
CANNOT_LIST = "cannot list directory"


def _module_licenses(data: bytes, last: int) -> tuple[tuple[int, str], ...]:
    """(offset, string) of each MODULE_LICENSE("...") up to offset *last* (the last occurrence).

    The body is searched backwards: MODULE_LICENSE sits near the end of a file, and bytes.rfind
    skips through a body faster than a forward find or a regex scan.
    """
    found = []
    at = last
    while at >= 0:
        match = _MODULE_LICENSE_RE.match(data, at)
        if match:
            found.append((at, match.group(1).decode("utf-8", "replace")))
        at = data.rfind(b"MODULE_LICENSE", 0, at)
    found.reverse()
    return tuple(found)


def line_at(data: bytes, offset: int) -> int:
    """The 1-based line number of byte *offset* in *data*."""
    return data.count(b"\n", 0, offset) + 1


class Listing:
    """The files of a tree, in sorted order, and a signature of their state.

    For a git tree the tracked files stay as git's raw ``ls-files -s`` records until someone
    asks for ``paths``/``keys``: an unchanged tree is recognised from ``signature`` alone, and a
    cold scan hands the raw records to the worker processes to parse in parallel.

    ``keys[i]`` is the git blob id of a clean tracked file, or "" when git does not vouch for the
    file (untracked, modified, a symlink, or no git at all): then its stat decides.

    (A plain class, not a dataclass: this module is imported before git is started, so it stays light.)
    """

    __slots__ = (
        "_keys",
        "_paths",
        "_settle",
        "dirty",
        "extra",
        "index_stamp",
        "link_records",
        "method",
        "raw",
        "root",
        "signature",
        "skipped",
        "stats",
        "symlinks",
    )

    def __init__(self, root: str, method: str = "scandir", signature: str = "", raw: bytes | None = b"",
                 dirty: frozenset[bytes] = frozenset(), extra: list[str] | None = None,
                 symlinks: set[str] | None = None, skipped: list[tuple[str, str]] | None = None) -> None:
        self.root = root
        self.method = method
        self.signature = signature
        self.raw = raw
        self.dirty = dirty
        self.extra: list[str] = extra if extra is not None else []
        self.symlinks: set[str] = symlinks if symlinks is not None else set()
        self.skipped: list[tuple[str, str]] = skipped if skipped is not None else []
        self._paths: list[str] | None = None
        self._keys: list[str] | None = None
        #: ``index_stamp`` of .git/index when it was listed ("" if none) and the records of its tracked
        #: symlinks: what a later run needs to know the index unchanged without ``git ls-files -s``.
        self.index_stamp = ""
        self.link_records: list[bytes] = []
        #: When git was not asked which files were edited (``start_listing(edits_by_readers=True)``): what the
        #: index recorded of each file (``_fastread.index_stats``, in the order of ``raw``), for the readers to
        #: judge, by the stat of each file they open, what ``git diff-files`` would; ``settle`` then takes what
        #: they found (or asks git after all). None otherwise.
        self.stats: bytes | None = None
        self._settle: Callable[[Iterable[str] | None], None] | None = None

    def settle(self, edited: Iterable[str] | None = None) -> None:
        """A listing whose edits the readers were to judge (``stats``) made whole: with the files they found
        edited, or (None) with what ``git diff-files`` says, asked now. ``dirty`` and ``signature`` are known
        after; ``paths`` and ``keys`` must not be asked before. Does nothing on any other listing."""
        settle, self._settle, self.stats = self._settle, None, None
        if settle is not None:
            settle(edited)

    def staged(self) -> bytes:
        """git's ``ls-files -s -z`` output, unsplit (asked now when the index was known unchanged)."""
        if self.raw is None:
            self.raw = _staged_now(self)
        return self.raw

    def _parse(self) -> None:
        raw = self.staged()
        if self._paths is not None:  # git failed when asked late: the tree was walked instead
            return
        paths, keys, _flags, _special = parse_git(raw, self.dirty, self.skipped)
        for path in self.extra:
            paths.append(path)
            keys.append("")
        if self.extra:
            order = sorted(range(len(paths)), key=paths.__getitem__)
            paths = [paths[i] for i in order]
            keys = [keys[i] for i in order]
        self._paths, self._keys = paths, keys

    def count(self) -> int:
        """How many files, or about as many while git's records are not parsed (nor, when the index was known
        unchanged, listed): one per record, or per entry of .git/index (unmerged stages and submodules count)."""
        if self._paths is None and self.method == "git":
            if self.raw is not None:
                return self.raw.count(b"\0") + len(self.extra)
            entries = _index_entries(self.root)
            if entries is not None:
                return entries + len(self.extra)
        return len(self.paths)

    @property
    def paths(self) -> list[str]:
        if self._paths is None:
            self._parse()
        assert self._paths is not None
        return self._paths

    @property
    def keys(self) -> list[str]:
        if self._keys is None:
            self._parse()
        assert self._keys is not None
        return self._keys


#: parse_git's kinds of records git does not vouch for: a submodule, a symlink, a file edited since.
SUBMODULE_RECORD, SYMLINK_RECORD, EDITED_RECORD = 1, 2, 3


def parse_git(raw: bytes, dirty: frozenset[bytes],
              skipped: list[tuple[str, str]]) -> tuple[list[str], list[str], bytearray, list[tuple[int, int]]]:
    """git's ``ls-files -s -z`` output (or a piece cut at a record's end) as columns: paths, keys (the blob
    id, "" where git does not vouch for the file), flags (1: a clean regular file) and (position, kind)
    of each symlink and edited file (*dirty*). An unmerged path's stages count once; submodules are
    left out, into *skipped*. In C where it is built (the UI waits for a listing's paths)."""
    if _fastread is not None:
        paths, keys, flags, special = _fastread.parse_git(raw, dirty)
    else:
        paths, keys, flags, special = _parse_git(raw, dirty)
    submodules = {i for i, kind in special if kind == SUBMODULE_RECORD}
    if not submodules:
        return paths, keys, flags, special
    skipped.extend((paths[i], SUBMODULE) for i in sorted(submodules))
    kept = [i for i in range(len(paths)) if i not in submodules]
    moved = {old: new for new, old in enumerate(kept)}
    return ([paths[i] for i in kept], [keys[i] for i in kept], bytearray(flags[i] for i in kept),
            [(moved[i], kind) for i, kind in special if i in moved])


def _parse_git(raw: bytes, dirty: frozenset[bytes]) -> tuple[list[str], list[str], bytearray, list[tuple[int, int]]]:
    """_fastread.parse_git in Python, byte for byte as the C parser reads a record."""
    paths: list[str] = []
    keys: list[str] = []
    flags = bytearray()
    special: list[tuple[int, int]] = []
    previous = None
    for record in raw.split(b"\0")[:-1] if raw.endswith(b"\0") else raw.split(b"\0"):
        meta, tab, path = record.partition(b"\t")
        if not tab or len(meta) < 8:
            continue  # not a record git writes: left out
        if path == previous:  # an unmerged path appears once per stage
            continue
        previous = path
        mode = meta[:6]
        kind = (SUBMODULE_RECORD if mode == b"160000" else SYMLINK_RECORD if mode == b"120000"
                else EDITED_RECORD if path in dirty else 0)
        if kind:
            special.append((len(paths), kind))
        paths.append(os.fsdecode(path))
        keys.append("" if kind else meta[7:].partition(b" ")[0].decode("ascii", "surrogateescape"))
        flags.append(not kind)
    return paths, keys, flags, special


def _git(root: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        ["git", "-C", root, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env if env is not None else _git_env(root),
    )


class _Captured:
    """A git process whose output goes to a file in memory (``os.memfd_create``) rather than a pipe: git writes
    its megabytes at once, while the caller does other work, rather than a pipe's worth at a time, waiting for
    the caller to read. ``communicate``, ``returncode``, ``kill`` and ``wait`` as a ``subprocess.Popen``'s."""

    def __init__(self, argv: list[str], env: dict[str, str] | None) -> None:
        self._fd = os.memfd_create("lictree-git", getattr(os, "MFD_CLOEXEC", 1))
        try:
            self._proc = subprocess.Popen(argv, stdout=self._fd, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                          env=env)
        except BaseException:
            os.close(self._fd)
            raise

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode

    def kill(self) -> None:
        self._proc.kill()

    def wait(self) -> int:
        code = self._proc.wait()
        self._close()
        return code

    def _close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def communicate(self) -> tuple[bytes, None]:
        self._proc.wait()
        try:
            size = os.fstat(self._fd).st_size
            out = os.pread(self._fd, size, 0) if size else b""
            while len(out) < size:  # (not seen: a file in memory is read whole)
                more = os.pread(self._fd, size - len(out), len(out))
                if not more:
                    break
                out += more
        finally:
            self._close()
        return out, None


def _git_captured(root: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen | _Captured:
    """``_git``, its output in memory where the system can (Linux), else in a pipe."""
    if not hasattr(os, "memfd_create"):
        return _git(root, *args, env=env)
    try:
        return _Captured(["git", "-C", root, *args], env if env is not None else _git_env(root))
    except OSError as exc:
        if exc.filename is not None:  # (git not found: as _git says)
            raise
        return _git(root, *args, env=env)


#: What the cache remembers of a git listing: the stamp of .git/index and its tracked symlinks' records.
ListingHint = tuple[str, list[bytes]]


def index_stamp(root: str) -> str:
    """Size, mtime, ctime and inode of .git/index ("" when .git is not a directory or has no index).

    git rewrites the index as a new file whenever it changes it, so an equal stamp means the same
    tracked files and blob ids: ``git ls-files -s`` would print what it printed then.
    """
    try:
        st = os.stat(os.path.join(root, ".git", "index"))
    except OSError:
        return ""
    if not stat.S_ISREG(st.st_mode):
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def start_listing(root: str, hint: Callable[[], ListingHint | None] | None = None,
                  scope: str = "", edits_by_readers: bool = False) -> Callable[[], Listing]:
    """Start listing *root* in the background (git runs while the caller does other work).

    *hint*: what the cache remembers of the last listing; when .git/index has not changed since,
    ``git ls-files -s`` is not run (the signature is the same; the records are listed only if needed).
    *scope*: a tree-relative path the caller reports on alone: only the files at or below it are
    listed (git is given it as a pathspec, a tree without git is walked below it alone), and the
    listing's signature stands for those alone. A scope inside a repository of its own (a git
    submodule) is listed with the whole tree, which says what the tree makes of it.
    *edits_by_readers*: for a cold scan, which reads every file: ``git diff-files`` (an lstat of every file)
    is not run; the readers judge by the stat of the files they open which ones git would find edited
    (``Listing.stats``, ``Listing.settle``), where the index lets them (else git is asked after all).
    """
    procs: list[subprocess.Popen] | None = None
    judged = edits_by_readers and not scope and _fastread is not None and os.path.isfile(os.path.join(root, ".git",
                                                                                                       "index"))
    staged: subprocess.Popen | None = None
    stamp = ""
    known_links: list[bytes] | None = None
    spec: tuple[str, ...] = ()
    if os.path.exists(os.path.join(root, ".git")):
        env = _git_env(root)
        if scope and not _in_nested_repository(root, scope):
            spec = ("--", scope)
            env["GIT_LITERAL_PATHSPECS"] = "1"  # a name with * or [ in it is not a pattern
        procs = []
        try:
            first = ("config", "-z", "--get-regexp", _JUDGE_CONFIG) if judged else ("diff-files", "--name-only", "-z")
            for args in (first, ("ls-files", "-o", "--exclude-standard", "-z")):
                procs.append(_git(root, *args, *spec, env=env))
            # The stamp of the index, before ls-files -s reads it: a change after it shows next time. (Not
            # for a scope: its listing is named by what it lists, and is no hint for the whole tree's.)
            stamp = "" if spec else index_stamp(root)
            known = hint() if hint is not None and stamp and not judged else None
            if known is not None and known[0] == stamp:
                known_links = known[1]
            else:
                staged = _git_captured(root, "ls-files", "-s", "-z", *spec, env=env)
        except OSError:  # no git on PATH: walk the directory
            for proc in [*procs, *([staged] if staged else [])]:
                proc.kill()
                proc.wait()
            procs = None

    def finish() -> Listing:
        if procs and judged:
            listing = _finish_judged(root, procs, staged, stamp)
        else:
            listing = _finish_git(root, procs, staged, stamp, known_links, "git-scope:" if spec else "git:") \
                if procs else None
        return listing or list_scandir(root, scope)

    return finish


#: The settings under which git finds a file edited otherwise than by comparing its stat with the index's as
#: ``_fastread`` does (``edited_since``); any of them set (but to its default) leaves the judging to git.
_JUDGE_CONFIG = r"^core\.(filemode|trustctime|checkstat|ignorestat|fsmonitor|sparsecheckout)$|^extensions\."
_JUDGE_DEFAULTS = {"core.filemode": "true", "core.trustctime": "true", "core.checkstat": "default",
                   "core.ignorestat": "false", "core.fsmonitor": "false", "core.sparsecheckout": "false",
                   "extensions.objectformat": "sha1"}
_TRUE, _FALSE = {"true", "yes", "on", "1", ""}, {"false", "no", "off", "0"}


def _default_config(out: bytes) -> bool:
    """Whether ``git config -z --get-regexp _JUDGE_CONFIG`` found only the default of each setting."""
    for entry in out.split(b"\0"):
        if not entry:
            continue
        key, _, value = entry.decode("utf-8", "replace").partition("\n")
        key, value = key.lower(), value.strip().lower()
        want = _JUDGE_DEFAULTS.get(key)
        if want is None:
            return False  # another extension (worktreeConfig, ...): git judges
        if want in ("true", "false"):
            if value not in (_TRUE if want == "true" else _FALSE):
                return False
        elif value != want:
            return False
    return True


def _finish_judged(root: str, procs: list[subprocess.Popen], staged_proc: subprocess.Popen | None,
                   stamp: str) -> Listing | None:
    """``_finish_git`` for a listing whose edits the readers judge: ``git config`` ran instead of ``diff-files``.
    The index's stat data read (``_fastread.index_stats``); where the index or the settings do not let the
    readers judge as git does (or an entry is racily clean: git would compare its content), ``diff-files`` is
    run now and the listing is an ordinary one."""
    config, others = procs
    settings = config.communicate()[0]
    stats = None
    staged = None
    if staged_proc is not None:
        staged = staged_proc.communicate()[0]
        if staged_proc.returncode == 0 and config.returncode in (0, 1) and _default_config(settings) and stamp:
            stats = _index_stats(root, stamp, staged)
    env = _git_env(root)
    diff = _git(root, "diff-files", "--name-only", "-z", env=env) if stats is None else None
    staged_now = _Done(staged, staged_proc.returncode if staged_proc is not None else 1)
    listing = _finish_git(root, [diff if diff is not None else _Done(b"", 0), others], staged_now, stamp, None,
                          sign=stats is None)
    if listing is None or stats is None:
        return listing
    listing.stats = stats  # (its signature made by settle)
    listing._settle = partial(_settle_judged, listing, stats)
    return listing


def _index_stats(root: str, stamp: str, staged: bytes) -> bytes | None:
    """``_fastread.index_stats`` of the tree's .git/index (mapped, not copied), if it is the one *stamp* names
    and no entry in it is racily clean (recorded no earlier than the second the index was written: git would
    compare its content); else None."""
    import mmap

    try:
        with open(os.path.join(root, ".git", "index"), "rb") as handle:
            st = os.fstat(handle.fileno())
            if f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}" != stamp or not st.st_size:
                return None  # (rewritten since ls-files read it)
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                got = _fastread.index_stats(data, staged)
    except (OSError, ValueError):
        return None
    if got is None:
        return None
    stats, latest = got
    return stats if latest < st.st_mtime_ns // 1_000_000_000 else None


class _Done:
    """What ``_finish_git`` asks of a git process, for output had already."""

    def __init__(self, out: bytes | None, returncode: int) -> None:
        self.out, self.returncode = out, returncode

    def communicate(self) -> tuple[bytes | None, None]:
        return self.out, None


def _settle_judged(listing: Listing, stats: bytes, edited: Iterable[str] | None) -> None:
    """``Listing.settle`` of a listing the readers judged: its dirty files (those they found edited, and the
    symlinks whose stat differs from the index's), and its signature, made as ``_finish_git`` makes it."""
    root = listing.root
    if edited is None:
        proc = _git(root, "diff-files", "--name-only", "-z")
        out = proc.communicate()[0]
        if proc.returncode != 0:  # git failed: no signature, so that no cache trusts this listing
            listing.signature = ""
            return
        dirty = frozenset(p for p in out.split(b"\0") if p)
    else:
        dirty = frozenset(map(os.fsencode, edited)) | _edited_links(listing, stats)
    digest = _index_digest(root, listing.index_stamp, listing.raw, listing.link_records)
    listing.dirty, listing.signature = dirty, _signature(digest, root, dirty, listing.extra, "git:")


def _edited_links(listing: Listing, stats: bytes) -> frozenset[bytes]:
    """The tracked symlinks git would find edited: their lstat against what the index recorded."""
    from array import array

    modes = array("I", stats)[5::10].tobytes()
    mark = array("I", [0o120000]).tobytes()
    found = set()
    at = -4
    root = os.fsencode(listing.root)
    for record in listing.link_records:  # (in the order of the index, as the entries of mode 120000)
        at = modes.find(mark, at + 4)
        while at > 0 and at % 4:  # (a match across two words)
            at = modes.find(mark, at + 1)
        path = record.partition(b"\t")[2]
        if at < 0:
            found.add(path)  # (not reached: index_stats checked each record's mode)
            continue
        if edited_by_lstat(os.path.join(root, path), array("I", stats[at * 10 : at * 10 + 40])):
            found.add(path)
    return frozenset(found)


def edited_by_lstat(path: str | bytes, w: Sequence[int]) -> bool:
    """Whether git would find the file at *path* edited since its index entry *w* (``_fastread.index_stats``'s ten
    words) was recorded, by its lstat: ``_fastread.edited_since`` for a file the C reader does not open (a
    symlink, an excluded file). Gone, of another type, the executable bit changed, a smudged size, or any of
    the stat fields git compares."""
    try:
        st = os.lstat(path)
    except OSError:
        return True
    if w[5] & 0o170000 == 0o120000:
        if not stat.S_ISLNK(st.st_mode):
            return True
    elif not stat.S_ISREG(st.st_mode) or (w[5] ^ st.st_mode) & 0o100:
        return True
    if w[8] == 0 and w[9] != 0xE69DE29B:  # (smudged; the empty blob is e69de29b...)
        return True
    m = 0xFFFFFFFF
    return (w[0], w[1], w[2], w[3], w[4], w[6], w[7], w[8]) != (
        int(st.st_ctime) & m, st.st_ctime_ns % 1_000_000_000, int(st.st_mtime) & m, st.st_mtime_ns % 1_000_000_000,
        st.st_ino & m, st.st_uid & m, st.st_gid & m, st.st_size & m)


def _in_nested_repository(root: str, scope: str) -> bool:
    """Whether a directory on the way from *root* to *scope* (or *scope* itself) has a .git of its own."""
    end = scope.find("/")
    while True:
        if os.path.lexists(os.path.join(root, scope if end < 0 else scope[:end], ".git")):
            return True
        if end < 0:
            return False
        end = scope.find("/", end + 1)


def _staged_now(listing: Listing) -> bytes:
    """``git ls-files -s -z`` for a listing that skipped it. Should git fail now (it ran a moment ago),
    the tree is walked instead and the listing's signature dropped, so that no cache trusts it."""
    proc = _git(listing.root, "ls-files", "-s", "-z")
    out = proc.communicate()[0]
    if proc.returncode == 0:
        return out
    walked = list_scandir(listing.root)
    listing.method, listing.signature, listing.dirty, listing.extra = "scandir", "", frozenset(), []
    listing._paths, listing._keys, listing.symlinks = walked.paths, walked.keys, walked.symlinks
    return b""


def _index_entries(root: str) -> int | None:
    """The number of entries .git/index says it holds (its header), or None."""
    try:
        with open(os.path.join(root, ".git", "index"), "rb") as handle:
            head = handle.read(12)
    except OSError:
        return None
    return int.from_bytes(head[8:12], "big") if len(head) == 12 and head[:4] == b"DIRC" else None


def _symlink_records(raw: bytes) -> list[bytes]:
    """The records of symlinks (mode 120000) in ``git ls-files -s -z`` output, without splitting all of it."""
    found = []
    at = 0 if raw.startswith(b"120000 ") else raw.find(b"\x00120000 ") + 1 or -1
    while at >= 0:
        end = raw.find(b"\0", at)
        if end < 0:
            end = len(raw)
        found.append(raw[at:end])
        at = raw.find(b"\x00120000 ", end) + 1 or -1
    return found


def _finish_git(root: str, procs: list[subprocess.Popen], staged_proc: subprocess.Popen | None, stamp: str,
                known_links: list[bytes] | None, kind: str = "git:", sign: bool = True) -> Listing | None:
    """The listing of a git tree, from git's processes (``ls-files -s`` in *staged_proc*, unless the index was
    known unchanged: *known_links*; ``diff-files`` and ``ls-files -o`` in *procs*), and its signature (*sign*
    False: left "", made later by ``Listing.settle``)."""
    staged: bytes | None = None
    if staged_proc is not None:
        # git ls-files -s ends first: find its symlinks (and stat their targets) while diff-files still runs.
        staged = staged_proc.communicate()[0]
        if staged_proc.returncode != 0:
            for proc in procs:
                proc.communicate()
            return None
        links = _symlink_records(staged)
    else:
        links = known_links or []
    digest = _index_digest(root, stamp, staged, links) if sign else None
    dirty_raw, others = (proc.communicate()[0] for proc in procs)
    if any(proc.returncode != 0 for proc in procs):
        return None
    dirty = frozenset(p for p in dirty_raw.split(b"\0") if p)
    extra = [os.fsdecode(p) for p in others.split(b"\0") if p]
    symlinks = {os.fsdecode(record.partition(b"\t")[2]) for record in links}
    symlinks.update(path for path in extra if os.path.islink(os.path.join(root, path)))
    listing = Listing(root, method="git", raw=staged, dirty=dirty, extra=extra, symlinks=symlinks)
    listing.index_stamp, listing.link_records = stamp, links
    if digest is not None:
        listing.signature = _signature(digest, root, dirty, extra, kind)
    return listing


def _index_digest(root: str, stamp: str, staged: bytes | None, links: list[bytes]):  # noqa: ANN202 - a hashlib hash
    """The start of a git listing's signature: the index, named by its stamp (or, with no stamp to go by, by what
    it lists), and its tracked symlinks with the stat of their targets."""
    import hashlib

    digest = hashlib.sha1(b"index:" + stamp.encode()) if stamp else hashlib.sha1(staged or b"")
    for record in links:
        digest.update(b"\3" + record + stat_key(root, os.fsdecode(record.partition(b"\t")[2]), True).encode())
    return digest


def _signature(digest, root: str, dirty: frozenset[bytes], extra: list[str], kind: str) -> str:  # noqa: ANN001
    """A git listing's signature, from ``_index_digest``: files git does not vouch for (edited, untracked) enter
    it with their stat, so that any edit shows."""
    for raw in sorted(dirty):
        digest.update(b"\1" + raw + stat_key(root, os.fsdecode(raw)).encode())
    for path in extra:
        digest.update(b"\2" + os.fsencode(path) + stat_key(root, path, True).encode())
    return kind + digest.hexdigest()


def list_scandir(root: str, scope: str = "") -> Listing:
    """List every file below *root* (not .git), never following directory symlinks.

    *scope*: only the files at or below this tree-relative path (the listing's signature then
    stands for those alone, and is never that of a whole tree).
    """
    listing = Listing(root, method="scandir")
    found: list[str] = []
    stack = [""]
    if scope:
        stack = []
        full = os.path.join(root, scope)
        if os.path.isdir(full) and not os.path.islink(full):
            stack.append(scope)
        elif os.path.lexists(full):
            found.append(scope)
            if os.path.islink(full):
                listing.symlinks.add(scope)
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(os.path.join(root, rel_dir) if rel_dir else root) as it:
                items = list(it)
        except OSError as exc:
            listing.skipped.append((rel_dir or ".", f"{CANNOT_LIST}: {exc.strerror or exc}"))
            continue
        for item in items:
            rel = f"{rel_dir}/{item.name}" if rel_dir else item.name
            try:
                if item.name == ".git":
                    continue  # git's own data (a directory, or a file pointing at one), as git ls-files
                if item.is_dir(follow_symlinks=False):
                    stack.append(rel)
                    continue
                if item.is_symlink():
                    listing.symlinks.add(rel)
            except OSError:
                pass
            found.append(rel)
    found.sort()
    listing._paths = found
    listing._keys = [stat_key(root, path, path in listing.symlinks) for path in found]
    import hashlib

    digest = hashlib.sha1()
    for path, key in zip(found, listing._keys):
        digest.update(os.fsencode(path) + b"\0" + key.encode() + b"\0")
    listing.signature = ("fs-scope:" if scope else "fs:") + digest.hexdigest()
    return listing


def list_files(root: str) -> Listing:
    """List the files of *root*: git-aware when it is a git work tree."""
    return start_listing(root)()


def stat_key(root: str, path: str, symlink: bool = False) -> str:
    """The cache key of a file git does not vouch for: size, mtime, inode and mode (of the target)."""
    try:
        full = os.path.join(root, path)
        st = os.stat(full) if symlink else os.lstat(full)
    except OSError:
        return ""
    return f"s:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_mode}"


def _inside(root_real: str, path: str) -> bool:
    real = os.path.realpath(path)
    return real == root_real or real.startswith(root_real + os.sep)


_KIND_NAMES = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a directory",
}


def read_facts(root: str, rel: str, trusted: bool = False, root_real: str | None = None) -> Facts:
    """Read what the rules need from one file; every failure becomes ``Facts.error``.

    *trusted*: git vouches that this is an unchanged regular file, so no lstat is needed first.
    """
    path = f"{root}/{rel}" if root else rel  # workers chdir to the root: shorter lookups
    if _fastread is not None:
        got = _fastread.read(path, trusted)
        if got is not None:  # None: a symlink, a special file or an error, told apart below
            return facts_from(got)
    return _read_facts(path, rel, trusted, root, root_real)


#: What the C reader gives for a file: (data, raw tag line or None, its line, flags, lines of further
#: tags, Facts.modules); flags: 1 shebang, 2 binary, 4 CRLF (see _fastread.c).
Raw = tuple[bytes, bytes | None, int, int, tuple[int, ...], tuple[tuple[int, str], ...]]


def column_reader() -> Callable[..., tuple] | None:
    """The C reader's ``read_columns`` (see index._read_job), or None where it is not built."""
    return _fastread.read_columns if _fastread is not None else None


def name_key(path: str, prefixes: tuple[str, ...]) -> tuple[str, int]:
    """_fastread.name_key in Python: the extension of the base name (after a dot that is not its first
    character) and 1 when the base name starts with one of *prefixes* (rules.Fact.NAME_STYLE)."""
    slash = path.rfind("/")
    dot = path.rfind(".")
    return path[dot + 1:] if dot > slash + 1 else "", int(path.startswith(prefixes, slash + 1))


def facts_from(got: Raw) -> Facts:
    """The Facts of what the C reader found (the same as read_facts would give)."""
    data, line, number, flags, more, modules = got
    return Facts(header_from(line, number, flags, more), modules, None, len(data), data)


def _read_facts(path: str, rel: str, trusted: bool, root: str, root_real: str | None) -> Facts:
    """read_facts in Python: every file the C reader leaves, and every file without it."""
    flags = _OPEN_FLAGS
    try:
        if not trusted:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                if not _inside(root_real or os.path.realpath(root), path):
                    return Facts(None, error="symlink to outside the tree: not followed")
                try:
                    st = os.stat(path)
                except OSError as exc:
                    reason = "symlink loop" if exc.errno == 40 else "dangling symlink"
                    return Facts(None, error=f"{reason}: not followed")
            else:
                flags |= _NOFOLLOW
            if not stat.S_ISREG(st.st_mode):
                kind = _KIND_NAMES.get(stat.S_IFMT(st.st_mode), "not a regular file")
                return Facts(None, error=f"{kind}: not opened")
        else:
            flags |= _NOFOLLOW
        fd = os.open(path, flags)
    except FileNotFoundError:
        return VANISHED
    except OSError as exc:
        return Facts(None, error=f"cannot open: {exc.strerror or exc}")
    try:
        if rel.endswith(BODY_SUFFIXES):
            # C sources: the whole body (MODULE_LICENSE sits near the end), in one read.
            data = os.read(fd, min(os.fstat(fd).st_size, MAX_BODY_BYTES) + 1)
            header = extract_header(data)
            at = data.rfind(b"MODULE_LICENSE")
            if at >= 0 and not header.binary:
                return Facts(header, _module_licenses(data, at), None, len(data), data)
            return Facts(header, (), None, len(data), data)
        head = os.read(fd, HEAD_BYTES)
        if len(head) == HEAD_BYTES and head.count(b"\n") < MAX_LINES:
            while len(head) < MAX_HEAD_BYTES and head.count(b"\n") < MAX_LINES:
                more = os.read(fd, min(HEAD_BYTES * 4, MAX_HEAD_BYTES - len(head)))
                if not more:
                    break
                head += more
        return Facts(extract_header(head), (), None, len(head), head)
    except OSError as exc:
        return Facts(None, error=f"cannot read: {exc.strerror or exc}")
    finally:
        os.close(fd)
