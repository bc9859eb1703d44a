"""Which tree a path belongs to: like git finding its top level, from a path inside a kernel tree.

``lictree check linux/drivers/net`` checks the files of drivers/net as part of the kernel tree
``linux``: with its LICENSES/, COPYING, spdxexclude, cache and paths relative to its top, so that
every verdict equals the whole tree's. (Light on purpose: imported before git is started.)
"""

from __future__ import annotations

import os
import re
import stat
from typing import NamedTuple

#: How many bytes of a COPYING are looked at to tell a kernel's from another project's.
_COPYING_HEAD = 8192
#: The kernel's COPYING names the kernel (6.x: "The Linux Kernel is provided under:"; before 4.16
#: the GPL's text with Linus' note "...the Linux kernel) is copyrighted by me..."), a nested one
#: (tools/usb/usbip/COPYING) does not.
_KERNEL_COPYING_RE = re.compile(rb"linux\s+kernel", re.IGNORECASE)


class TreePlace(NamedTuple):
    """Where a path is: its tree's top directory, and the path relative to it.

    ``scope`` is "" for the whole tree, else a '/'-separated tree-relative path (a directory or
    a file); ``found`` says whether an enclosing tree was found (LICENSES/, a kernel COPYING or
    git's top level) rather than the path being taken as a tree of its own.
    """

    root: str
    scope: str = ""
    found: bool = True

    @property
    def is_file(self) -> bool:
        """Whether the scope is one file (not a directory)."""
        return bool(self.scope) and not os.path.isdir(os.path.join(self.root, self.scope))


def in_scope(path: str, scope: str) -> bool:
    """Whether tree-relative *path* is *scope* or below it ("" is the whole tree)."""
    return not scope or path == scope or (path.startswith(scope) and path[len(scope) : len(scope) + 1] == "/")


def is_kernel_copying(directory: str) -> bool:
    """Whether *directory* has a COPYING (a regular file) that names the Linux kernel."""
    path = os.path.join(directory, "COPYING")
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or device named COPYING is never opened
            return False
        with open(path, "rb") as handle:
            head = handle.read(_COPYING_HEAD)
    except OSError:
        return False
    return _KERNEL_COPYING_RE.search(head) is not None


def _is_tree_top(directory: str) -> bool:
    return os.path.isdir(os.path.join(directory, "LICENSES")) or is_kernel_copying(directory)


def find_tree(path: str) -> TreePlace:
    """The tree *path* belongs to: the nearest directory at or above it that has LICENSES/ or a
    kernel COPYING, else the nearest that has .git (git's top level), else *path* itself.

    Symlinks are resolved, as git does (``git -C DIR rev-parse --show-toplevel``): the scope is
    the real path below the real top. The top keeps the spelling it was given when that leads to
    the same place (``linux-link/drivers/net`` -> root ``linux-link``). A path outside any tree is
    its own tree, as before; so is a path that does not exist, or a file outside any tree (the
    caller's ``check_root`` says why it cannot be indexed).
    """
    full = os.path.abspath(path)
    if not os.path.exists(full):
        return TreePlace(full, "", False)
    real = os.path.realpath(full)
    is_dir = os.path.isdir(real)
    start = real if is_dir else os.path.dirname(real)
    top = git_top = None
    directory = start
    while True:
        if _is_tree_top(directory):
            top = directory
            break
        if git_top is None and os.path.lexists(os.path.join(directory, ".git")):
            git_top = directory
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    if top is None:
        top = git_top
    if top is None:
        return TreePlace(full, "", False)
    scope = "" if real == top else os.path.relpath(real, top).replace(os.sep, "/")
    return TreePlace(_spelled_root(full, top, scope), scope, True)


def _spelled_root(full: str, real_top: str, scope: str) -> str:
    """The tree's top as the user spelled it (*full* without *scope*'s parts), when that is the
    same directory; else its real path."""
    if not scope:
        return full if os.path.realpath(full) == real_top else real_top
    parts = scope.count("/") + 1
    candidate = full
    for _ in range(parts):
        candidate = os.path.dirname(candidate)
    expected = os.path.join(candidate, *scope.split("/"))
    if expected == full and os.path.realpath(candidate) == real_top:
        return candidate
    return real_top


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
