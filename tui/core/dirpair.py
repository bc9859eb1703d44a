"""Two directories a diff compares, listed at the same time, as early as can be (``start_pair``).

Each is listed as ``scan.start_listing`` lists a tree (``git ls-files -s`` skipped while .git/index is the one
the cache last saw: ``cache.load_listing_hint``). For two git work trees, what their indexes hold differently
is found while they are listed (``IndexDiff``): both .git/index files merged in C (``read_indexes``), or, where
they hold what that merge leaves to git, ``git diff-index --cached`` of the new tree's index against the tree
the old one's HEAD names, when the old tree's index holds that very tree. That is the records of ``git
ls-files -s`` of both that differ, without splitting and comparing 87,000 records of each.

Kept light (no verdict, rule or index module): ``lictree diff`` starts git with it before importing the rest.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial

from tui import __version__
from tui.core import cache as cache_mod
from tui.core.atomic import replacing
from tui.core.scan import Listing, _git, _git_env, index_stamp, start_listing

#: One side's records that differ from the other's: path -> (git's mode, blob id).
Records = dict[str, tuple[bytes, str]]
_ABSENT = b"000000"


class IndexDiff:
    """git's records of two work trees' indexes that differ (``records``), asked while the trees are listed:
    ``diff-index --cached`` of the new tree's index against the tree the old one's HEAD names (read through
    the old repository's objects), trusted only when ``diff-index --cached`` finds the old tree's index to
    hold just that tree. None when git cannot tell (no HEAD, unmerged paths, an index that differs from that
    tree): the caller then compares the ``ls-files -s`` records itself.

    That the old index holds that tree is remembered with the index's stamp (``scan.index_stamp``: git
    rewrites the index whenever it changes it), so that it is asked again only once the index changed."""

    def __init__(self, old_root: str, new_root: str, use_cache: bool = True) -> None:
        self.old_root, self.new_root = old_root, new_root
        self.use_cache = use_cache
        self._head: subprocess.Popen | None = None
        self._clean: subprocess.Popen | None = None
        self._diff: subprocess.Popen | None = None
        self._failed = False
        self._records: tuple[Records, Records] | None = None
        self._done = False
        #: The stamps of the two indexes compared here, when they were (``read_indexes``), else None.
        self.stamps: tuple[str, str] | None = None
        direct = read_indexes(old_root, new_root)
        if direct is not None:
            self._records, self.stamps = direct
            self._done = True
            return
        self._stamp = index_stamp(old_root)
        known = load_tree_memo(old_root) if use_cache and self._stamp else None
        self._tree: tuple[str, str] | None = None  # (objects directory, tree id) the old index holds
        try:
            if known is not None and known[0] == self._stamp:
                self._tree = known[1], known[2]
                self._start_diff()
            else:
                self._head = _git(old_root, "rev-parse", "--path-format=absolute", "--git-common-dir",
                                  "HEAD^{tree}")
        except OSError:
            self._failed = True

    def launch(self) -> None:
        """Start the diff of the new tree's index (waits for the old tree's HEAD: a moment). Called again,
        does nothing."""
        if self._failed or self._diff is not None or self._head is None:
            return
        out = self._head.communicate()[0]
        lines = out.decode("utf-8", "surrogateescape").splitlines()
        if self._head.returncode != 0 or len(lines) != 2:
            self._failed = True
            return
        self._tree = os.path.join(lines[0], "objects"), lines[1]
        try:
            self._clean = _git(self.old_root, "diff-index", "--cached", "--quiet", "--ita-visible-in-index",
                               self._tree[1], "--")
            self._start_diff()
        except OSError:
            self._failed = True

    def _start_diff(self) -> None:
        assert self._tree is not None
        objects, tree = self._tree
        if not os.path.isdir(objects) or any(c in objects for c in ':"\n') or len(tree) not in (40, 64):
            self._failed = True  # (a path git's list of alternates would need quoted in)
            return
        env = _git_env(self.new_root)
        env.update(GIT_ALTERNATE_OBJECT_DIRECTORIES=objects, GIT_NO_LAZY_FETCH="1")
        self._diff = _git(self.new_root, "diff-index", "--cached", "-r", "--raw", "--no-abbrev", "--no-renames",
                          "--ita-visible-in-index", "-z", tree, "--", env=env)

    def close(self) -> None:
        """Stop and reap what still runs (a diff that does not need the records)."""
        for proc in (self._head, self._clean, self._diff):
            if proc is not None and proc.returncode is None:
                proc.kill()
                proc.communicate()

    def records(self) -> tuple[Records, Records] | None:
        """(old, new): the records of each index that the other does not hold (a path's record, by mode and blob
        id, on the side that has it), or None when git could not tell."""
        if self._done:
            return self._records
        self._done = True
        self.launch()
        if self._failed or self._diff is None:
            self.close()
            return None
        out = self._diff.communicate()[0]
        if self._clean is not None:
            self._clean.communicate()
            if self._clean.returncode != 0:
                return None
        if self._diff.returncode == 0:
            self._records = parse_raw(out)
        elif self._clean is None:  # what was remembered did not serve (the tree pruned since?): asked anew next time
            forget_tree_memo(self.old_root)
        if self._records is not None and self._clean is not None and self.use_cache and self._tree is not None \
                and index_stamp(self.old_root) == self._stamp:  # (the index checked is the one stamped)
            save_tree_memo(self.old_root, self._stamp, *self._tree)
        return self._records


def read_indexes(old_root: str, new_root: str) -> tuple[tuple[Records, Records], tuple[str, str]] | None:
    """What ``IndexDiff.records`` gives, read from the two trees' .git/index files themselves (in C,
    ``_fastread.index_diff``: a kernel's two indexes in ~10 ms, where git's three processes take ~50 ms of CPU
    while both trees are stat'ed), and the stamps of the files read; None where git should say: no C reader,
    an index that is not a plain file of a .git directory, a repository of SHA-256 objects, or an index that
    holds what the merge does not judge as git would (unmerged paths, skip-worktree or intent-to-add entries, a
    sparse or split index)."""
    import mmap

    from tui.core import scan

    fast = scan._fastread  # (None: built without its C part)
    if fast is None or not hasattr(fast, "index_diff"):
        return None
    stamps: list[str] = []
    try:
        with ExitStack() as stack:
            mapped = []
            for root in (old_root, new_root):
                handle = stack.enter_context(open(os.path.join(root, ".git", "index"), "rb"))
                st = os.fstat(handle.fileno())
                if not stat.S_ISREG(st.st_mode) or not st.st_size or _object_format(root) != "sha1":
                    return None
                stamps.append(f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}")  # (scan.index_stamp)
                mapped.append(stack.enter_context(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)))
            records = fast.index_diff(*mapped)
    except (OSError, ValueError):
        return None
    return (records, (stamps[0], stamps[1])) if records is not None else None


def _object_format(root: str) -> str:
    """The object format of *root*'s repository as its .git/config names it (``extensions.objectFormat``):
    "sha1" when it names none; "" when the config cannot be read."""
    try:
        with open(os.path.join(root, ".git", "config"), "rb") as handle:
            config = handle.read(1 << 20).lower()
    except OSError:
        return ""
    return "sha1" if b"objectformat" not in config else ""


def _memo_path(root: str) -> str | None:
    path = cache_mod.cache_path(root)
    return None if path is None else path[: -len(".pickle")] + ".tree"


def save_tree_memo(root: str, stamp: str, objects: str, tree: str) -> None:
    """Remember that *root*'s index, while its stamp is *stamp*, holds *tree* (of the objects in *objects*)."""
    path = _memo_path(root)
    if path is None:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with replacing(path) as handle:
            handle.write("\n".join([stamp, objects, tree]).encode("utf-8", "surrogateescape"))
    except OSError:
        pass


def forget_tree_memo(root: str) -> None:
    path = _memo_path(root)
    if path is not None:
        try:
            os.unlink(path)
        except OSError:
            pass


def load_tree_memo(root: str) -> tuple[str, str, str] | None:
    """(index stamp, objects directory, tree id) that ``save_tree_memo`` remembered of *root*, or None."""
    path = _memo_path(root)
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            lines = handle.read(1 << 16).decode("utf-8", "surrogateescape").split("\n")
    except OSError:
        return None
    return (lines[0], lines[1], lines[2]) if len(lines) == 3 else None


def parse_raw(out: bytes) -> tuple[Records, Records] | None:
    """``git diff-index --raw -z`` output as (old, new) records; None for anything but files added, deleted,
    modified or of another type (an unmerged path: the caller compares the records itself)."""
    old: Records = {}
    new: Records = {}
    fields = out.split(b"\0")
    if fields[-1] == b"":
        fields.pop()
    if len(fields) % 2:
        return None
    fsdecode = os.fsdecode
    for meta, raw_path in zip(fields[0::2], fields[1::2]):
        if meta[0:1] != b":" or meta[-1:] not in b"ADMT" or len(meta) < 97:
            return None
        if len(meta) == 97:  # (40-digit blob ids: the fields where they always are)
            head = [meta[1:7], meta[8:14], meta[15:55], meta[56:96]]
        else:
            head = meta[1:].split(b" ")
            if len(head) != 5:
                return None
        path = fsdecode(raw_path)
        if head[0] != _ABSENT:
            old[path] = (head[0], head[2].decode("ascii", "replace"))
        if head[1] != _ABSENT:
            new[path] = (head[1], head[3].decode("ascii", "replace"))
    return old, new


class StartedPair:
    """Two directories' listings started (``start_pair``), and git's diff of their indexes when both are git
    work trees (``index_diff``)."""

    def __init__(self, roots: tuple[str, str], listings: tuple[Callable[[], Listing], Callable[[], Listing]],
                 use_cache: bool, index_diff: IndexDiff | None) -> None:
        self.roots = roots
        self.listings = listings
        self.use_cache = use_cache
        self.index_diff = index_diff
        self._listed: tuple[Listing, Listing] | None = None

    def finish(self) -> tuple[Listing, Listing]:
        """Both listings (waiting for git); what a fresh git listing found of each index is remembered."""
        if self._listed is None:
            if self.index_diff is not None:
                self.index_diff.records()  # (git compares the indexes faster than it stats the trees)
            listed = self.listings[0](), self.listings[1]()
            if self.use_cache:
                for root, listing in zip(self.roots, listed):
                    if listing.method == "git" and listing.raw is not None and listing.index_stamp:
                        cache_mod.save_listing_hint(root, listing.index_stamp, listing.link_records)
            self._listed = listed
        return self._listed


def start_pair(old_root: str, new_root: str, use_cache: bool = True, index_diff: bool = True) -> StartedPair:
    """Both directories' listings started (``scan.start_listing``, with what the cache remembers of each index
    when *use_cache*), and, with *index_diff*, git's diff of their indexes when both are git work trees."""
    roots = (old_root, new_root)
    listings = tuple(start_listing(root, partial(cache_mod.load_listing_hint, root) if use_cache else None)
                     for root in roots)
    both_git = all(os.path.exists(os.path.join(root, ".git")) for root in roots)
    if any(os.path.exists(os.path.join(root, ".git", "info", "sparse-checkout")) for root in roots):
        both_git = False  # (a sparse index may hold directories: the records are compared as listed)
    pair = IndexDiff(old_root, new_root, use_cache) if index_diff and both_git else None
    return StartedPair(roots, listings, use_cache, pair)  # type: ignore[arg-type]


def kept_dirs_path(old_root: str, new_root: str) -> str:
    """Where the diff of two directories is kept (``diff._kept_directories``): one file per pair."""
    key = "\0".join([__version__, os.path.realpath(old_root), os.path.realpath(new_root)])
    name = hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return os.path.join(cache_mod.cache_dir(), f"diff-dirs-{name}.pickle")
