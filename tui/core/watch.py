"""Turn batches of filesystem changes (from watchfiles) into index updates.

The watcher itself (``watchfiles.watch``/``awatch``) lives with its caller: the UI runs it in a
worker, ``lictree check --watch`` in a loop. This module decides what a batch means: which files
to read again, which to drop (a deleted or moved directory takes its files with it), which new
files git ignores, and whether LICENSES/, COPYING or spdxexclude changed (then every file whose
verdict depends on them is re-evaluated).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.core import cache as cache_mod
from tui.core.build import read_changes, reload_context, settle_reuse
from tui.core.exclude import EXCLUDE_FILE
from tui.core.index import LicenseIndex

#: A watch re-reads files changed up to this many seconds before it started (file times are coarse).
WATCH_SLACK = 2.0

#: Changes under these make the catalog (and every verdict that uses it) stale.
CONTEXT_PREFIXES = ("LICENSES/",)
CONTEXT_FILES = ("COPYING", "LICENSE", "LICENCE", EXCLUDE_FILE)
#: In a REUSE tree, changes to these make every verdict stale too.
REUSE_CONTEXT = ("REUSE.toml", ".reuse/dep5")


@dataclass(slots=True)
class Update:
    """What one batch of changes did to the index."""

    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    context_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.updated or self.removed or self.context_changed)


def watch_filter(root: str):  # noqa: ANN201 - a watchfiles filter object
    """A watchfiles filter: the default one (.git, __pycache__, editor swap files) plus lictree's cache."""
    from watchfiles import DefaultFilter

    cache_dir = os.path.realpath(cache_mod.cache_dir())

    class _Filter(DefaultFilter):
        def __call__(self, change, path: str) -> bool:  # noqa: ANN001 - watchfiles' Change
            if path.startswith(cache_dir + os.sep):
                return False
            return super().__call__(change, path)

    return _Filter()


def relative_paths(root: str, changes: Iterable[tuple[object, str]]) -> set[str]:
    """Tree-relative '/'-separated paths of a watchfiles batch, without .git/ and outside paths."""
    root = os.path.abspath(root)
    out: set[str] = set()
    for _change, path in changes:
        rel = os.path.relpath(path, root)
        if rel == "." or rel.startswith(".." + os.sep) or rel == "..":
            continue
        rel = rel.replace(os.sep, "/")
        if rel == ".git" or rel.startswith(".git/"):
            continue
        out.add(rel)
    return out


def _git_ignored(root: str, paths: list[str]) -> set[str]:
    """Which of *paths* git ignores (one ``git check-ignore --stdin`` for the whole batch)."""
    if not paths or not os.path.exists(os.path.join(root, ".git")):
        return set()
    try:
        proc = subprocess.run(
            ["git", "-C", root, "check-ignore", "--stdin", "-z"],
            input=b"\0".join(map(os.fsencode, paths)) + b"\0",
            capture_output=True,
            timeout=60,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    return {os.fsdecode(p) for p in proc.stdout.split(b"\0") if p}


def _walk(root: str, rel_dir: str) -> list[str]:
    """Files below a directory that appeared (moved in, or created with contents)."""
    found: list[str] = []
    stack = [rel_dir]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(os.path.join(root, current)) as it:
                for item in it:
                    rel = f"{current}/{item.name}"
                    if item.is_dir(follow_symlinks=False):
                        if item.name != ".git":
                            stack.append(rel)
                    else:
                        found.append(rel)
        except OSError:
            continue
    return found


def apply_changes(index: LicenseIndex, rel_paths: Iterable[str], workers: int | None = 1) -> Update:
    """Bring *index* up to date after *rel_paths* changed on disk (any mix of files and dirs)."""
    root = index.root
    update = Update()
    to_read: set[str] = set()
    gone: set[str] = set()
    linked: dict[str, bool] = {}
    for rel in rel_paths:
        if _under_symlink(root, rel, linked):
            continue  # watchers follow symlinked directories; the index does not
        if rel.startswith(CONTEXT_PREFIXES) or rel in CONTEXT_FILES or rel == "LICENSES":
            update.context_changed = True
        elif index.ctx.reuse is not None and (rel.endswith(REUSE_CONTEXT) or rel == ".reuse"):
            update.context_changed = True  # a REUSE tree's REUSE.toml (any of them) or .reuse/dep5
        full = os.path.join(root, rel)
        if os.path.isdir(full) and not os.path.islink(full):
            to_read.update(_walk(root, rel))
            to_read.update(p for p in _indexed_under(index, rel))  # files moved away inside it
        elif os.path.lexists(full):
            to_read.add(rel)
        elif index.position(rel) is not None:
            gone.add(rel)
        else:
            gone.update(_indexed_under(index, rel))  # a directory that was deleted or moved away
    new_files = [p for p in to_read if index.position(p) is None]
    to_read -= _git_ignored(root, new_files)
    if update.context_changed:
        to_read |= reload_context(index) - gone
    changes = read_changes(index, sorted(to_read), workers)
    changes.update(dict.fromkeys(gone))
    update.updated, update.removed = index.apply(changes)
    settled = settle_reuse(index)  # a REUSE tree's licence files: used or not, now
    if settled:
        update.updated = list(dict.fromkeys(update.updated + settled))
    return update


def _under_symlink(root: str, rel: str, seen: dict[str, bool]) -> bool:
    """Whether a directory on the way to *rel* is a symlink (*seen* remembers directories across calls)."""
    directory = rel.rpartition("/")[0]
    below: list[str] = []
    while directory and directory not in seen:
        below.append(directory)
        directory = directory.rpartition("/")[0]
    linked = seen.get(directory, False) if directory else False
    for current in reversed(below):
        linked = linked or os.path.islink(os.path.join(root, current))
        seen[current] = linked
    return linked


def _indexed_under(index: LicenseIndex, rel_dir: str) -> list[str]:
    from bisect import bisect_left

    prefix = rel_dir + "/"
    start = bisect_left(index.paths, prefix)
    out: list[str] = []
    for path in index.paths[start:]:
        if not path.startswith(prefix):
            break
        out.append(path)
    return out


def changed_since(index: LicenseIndex, since: float) -> set[str]:
    """Paths that may have changed on disk since *since* (a ``time.time()``), for ``apply_changes``.

    What a watcher started after the index was built must catch up on: indexed files modified,
    replaced or gone, and the new entries of every directory modified since (its mtime moves when
    a file is created, deleted or renamed in it). One lstat a file.
    """
    root = index.root
    found: set[str] = set()
    for path in index.paths:
        try:
            st = os.lstat(os.path.join(root, path))
        except OSError:
            found.add(path)
            continue
        if st.st_mtime >= since or st.st_ctime >= since:
            found.add(path)
    dirs = index.dirs()
    for directory in dirs:
        full = os.path.join(root, directory) if directory else root
        try:
            st = os.lstat(full)
            if st.st_mtime < since and st.st_ctime < since:
                continue
            with os.scandir(full) as entries:
                names = [entry.name for entry in entries]
        except OSError:
            continue  # gone: its files were found above
        for name in names:
            rel = f"{directory}/{name}" if directory else name
            if rel != ".git" and rel not in dirs and index.position(rel) is None:
                found.add(rel)
    return found
