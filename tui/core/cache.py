"""A per-tree cache of verdicts, kept outside the tree (XDG cache dir).

Each file's verdict is keyed by its git blob id (clean tracked files) or by size, mtime and inode,
so an edited, added or deleted file is always read again. The whole cache is dropped when
LICENSES/, COPYING, spdxexclude or lictree's version change.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from typing import Any

from tui import __version__

FORMAT = 4


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lictree")


def cache_path(root: str) -> str | None:
    """Where the cache of *root* lives; None when that would be inside the tree itself."""
    real_root = os.path.realpath(root)
    directory = os.path.realpath(cache_dir())
    if directory == real_root or directory.startswith(real_root + os.sep):
        return None
    name = hashlib.sha1(real_root.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return os.path.join(directory, f"{name}.pickle")


PAYLOAD_KEYS = frozenset({"signature", "paths", "keys", "status", "exprs", "lines", "findings", "skipped", "extras"})


def load(root: str, fingerprint: str) -> dict[str, Any] | None:
    """The cached index payload of *root*, or None when absent, stale or unreadable."""
    path = cache_path(root)
    if path is None:
        return None
    enabled = gc.isenabled()
    gc.disable()  # 170k small objects: the collector would double the load time
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
    except Exception:  # a missing or corrupt cache is simply a cold start
        return None
    finally:
        if enabled:
            gc.enable()
    if not isinstance(data, dict) or data.get("meta") != (FORMAT, __version__, os.path.realpath(root), fingerprint):
        return None
    payload = data.get("payload")
    if not isinstance(payload, dict) or set(payload) != PAYLOAD_KEYS:
        return None
    return payload


def save(root: str, fingerprint: str, payload: dict[str, Any]) -> bool:
    """Write the cache atomically (temporary file, then rename); False when it could not."""
    path = cache_path(root)
    if path is None:
        return False
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".lictree-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                meta = (FORMAT, __version__, os.path.realpath(root), fingerprint)
                pickle.dump({"meta": meta, "payload": payload}, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return False
    return True


def _hint_path(root: str) -> str | None:
    path = cache_path(root)
    return None if path is None else path[: -len(".pickle")] + ".listing"


def save_listing_hint(root: str, stamp: str, link_records: list[bytes]) -> None:
    """Remember the stamp of *root*'s .git/index and its tracked symlinks' records (``scan.ListingHint``),
    so that a later run that finds the index unchanged need not list it again."""
    path = _hint_path(root)
    if path is None or not stamp:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".lictree-", dir=os.path.dirname(path))
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(stamp.encode() + b"\n" + b"\0".join(link_records))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


def load_listing_hint(root: str) -> tuple[str, list[bytes]] | None:
    """What ``save_listing_hint`` remembered of *root*, or None."""
    path = _hint_path(root)
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read(1 << 24)
    except OSError:
        return None
    stamp, newline, links = data.partition(b"\n")
    if not newline:
        return None
    return stamp.decode("ascii", "replace"), (links.split(b"\0") if links else [])
