"""A per-tree cache of verdicts, kept outside the tree (XDG cache dir).

Each file's verdict is keyed by its git blob id (clean tracked files) or by size, mtime and inode,
so an edited, added or deleted file is always read again. The whole cache is dropped when
LICENSES/, COPYING, spdxexclude or lictree's version change.

Beside it, the reports that `check` and `export` wrote (any format) are kept, each in a file of its
own with the listing signature of the tree it was made from (``save_output``): while the tree is
unchanged, a report asked for again is written from there, without loading the index.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, BinaryIO, NamedTuple

from tui import __version__
from tui.core import collector_paused
from tui.core.atomic import replacing

FORMAT = 10  # 8: notices are NamedTuples; 9: a kept report's bytes follow its pickles (KeptBytes); 10: raw paths, keys


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


PAYLOAD_KEYS = frozenset({"signature", "paths", "keys", "status", "exprs", "lines", "findings", "notices", "skipped",
                          "origins"})


#: The small part of the payload, in a file of its own: enough for a warm `check` to print a kept report.
HEAD_KEYS = frozenset({"signature", "skipped"})


def _read(path: str) -> Any:
    try:
        with collector_paused(), open(path, "rb") as handle:  # 170k small objects: a collection would double it
            return pickle.load(handle)
    except Exception:  # a missing or corrupt cache is simply a cold start
        return None


def _meta(root: str, fingerprint: str) -> tuple:
    return (FORMAT, __version__, os.path.realpath(root), fingerprint)


def load_head(root: str, fingerprint: str) -> dict[str, Any] | None:
    """The head of *root*'s cache (signature, skipped) with the token of its columns, or None."""
    path = cache_path(root)
    if path is None:
        return None
    data = _read(path)
    if not isinstance(data, dict) or data.get("meta") != _meta(root, fingerprint):
        return None
    head = data.get("head")
    if not isinstance(head, dict) or set(head) != HEAD_KEYS or not isinstance(data.get("token"), str):
        return None
    return {**head, "token": data["token"]}


def load(root: str, fingerprint: str) -> dict[str, Any] | None:
    """The cached index payload of *root*, or None when absent, stale or unreadable."""
    try:
        with _columns_file(root, fingerprint) as opened:
            if opened is None:
                return None
            head, handle, columns = opened
            for name, (data_size, starts_size) in columns.pop(RAW).items():
                handle.seek(starts_size, os.SEEK_CUR)
                data = handle.read(data_size)
                if len(data) != data_size:
                    return None
                columns[name] = data.decode("utf-8", "surrogateescape")
    except Exception:  # a missing or corrupt cache is simply a cold start
        return None
    return {**head, **columns}


@contextmanager
def _columns_file(root: str, fingerprint: str) -> Iterator[tuple[dict[str, Any], BinaryIO, dict[str, Any]] | None]:
    """(the head, the open columns file left at its first raw column, the pickled columns) of *root*'s cache
    of *fingerprint*, or None when there is none of the same save (the collector paused meanwhile)."""
    head = load_head(root, fingerprint)
    path = cache_path(root)
    if head is None or path is None:
        yield None
        return
    with collector_paused(), open(_columns_path(path), "rb") as handle:
        columns = _columns_of(handle, head.pop("token"))
        yield None if columns is None else (head, handle, columns)


#: The columns written raw after the pickle of the others (``save``), each as its entries' bytes joined by NUL
#: after their starts (native uint64s, one more past the end): what ``lookup`` searches where it lies, unread.
RAW_COLUMNS = ("paths", "keys")
RAW = "raw"  # (the pickled columns' key that says the sizes of the raw ones)


def _columns_of(handle: BinaryIO, token: str) -> dict[str, Any] | None:
    """The pickled columns at the start of a columns file (the raw ones' sizes under ``RAW``), if of the save
    *token* names; *handle* is left at the first raw column."""
    data = pickle.load(handle)
    if not isinstance(data, dict) or data.get("token") != token:
        return None  # the two files are not of the same save
    columns = data.get("columns")
    raw = columns.get(RAW) if isinstance(columns, dict) else None
    if not isinstance(raw, dict) or tuple(raw) != RAW_COLUMNS or set(columns) - {RAW} | set(raw) | HEAD_KEYS \
            != PAYLOAD_KEYS:
        return None
    return columns


class Lookup(NamedTuple):
    """Where some paths are in a tree's cached columns (``lookup``)."""

    columns: dict[str, Any]  #: the columns but paths and keys, as ``load`` gives them
    positions: list[int]  #: each path's position in them, -1 when absent
    keys: list[str | None]  #: the key the cache holds for each path (None when absent)


def lookup(root: str, fingerprint: str, paths: list[str]) -> Lookup | None:
    """What *root*'s cache holds of *paths* (sorted or not), without reading its path and key columns: they are
    searched where they lie in the file (mapped, ``_fastread.find_sorted``); None when there is no cache of
    *fingerprint*, or it cannot be read. A diff wants a few thousand of a kernel's 87,000 paths: this costs it
    a quarter of ``load``."""
    import mmap

    try:
        with _columns_file(root, fingerprint) as opened:
            if opened is None:
                return None
            _head, handle, columns = opened
            sizes = columns.pop(RAW)
            offset = handle.tell()
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                view = memoryview(mapped)
                try:
                    parts: list[memoryview] = []
                    for data_size, starts_size in sizes.values():
                        end = offset + starts_size + data_size
                        if end > len(mapped):
                            return None
                        parts += [view[offset + starts_size : end], view[offset : offset + starts_size]]
                        offset = end
                    found = _find_sorted(*parts, paths)
                finally:
                    del parts
                    view.release()
    except Exception:  # missing, corrupt, or columns of unequal length: as no cache
        return None
    return Lookup(columns, *found)


def _find_sorted(paths: memoryview, path_starts: memoryview, keys: memoryview, key_starts: memoryview,
                 queries: list[str] | list[bytes], use_c: bool = True) -> tuple[list[int], list[str | None]]:
    """``_fastread.find_sorted``, or the same in Python (without the C reader). (Paths are sorted as str, searched
    as bytes: the same order but where a name that is not UTF-8 sorts beside one that is; such a path may be
    missed, and is then read again, never taken for another.)"""
    if use_c:
        try:
            from tui.core import _fastread
        except ImportError:  # (built without its C part)
            pass
        else:
            return _fastread.find_sorted(paths, path_starts, keys, key_starts, queries)
    from bisect import bisect_left

    listed = bytes(paths).split(b"\0") if len(path_starts) > 8 else []
    listed_keys = bytes(keys).split(b"\0") if len(key_starts) > 8 else []
    if len(listed) != len(listed_keys):
        raise ValueError("the two columns have different lengths")
    asked = [os.fsencode(q) for q in queries]
    at = [bisect_left(listed, q) for q in asked]
    at = [j if j < len(listed) and listed[j] == q else -1 for j, q in zip(at, asked)]
    return at, [listed_keys[j].decode("utf-8", "surrogateescape") if j >= 0 else None for j in at]


def _raw_column(joined: str, count: int) -> tuple[bytes, bytes]:
    """A joined column (``index.joined``) of *count* entries as its bytes and their starts (``RAW_COLUMNS``)."""
    from array import array
    from itertools import accumulate

    data = joined.encode("utf-8", "surrogateescape")
    entries = data.split(b"\0") if count else []
    if len(entries) != count:
        raise ValueError("a column of another length")
    starts = array("Q", [0])
    starts.extend(accumulate(len(entry) + 1 for entry in entries))
    return data, starts.tobytes()


def _shared(columns: dict[str, Any]) -> dict[str, Any]:
    """*columns* with equal findings and notices made one object each, so that each is pickled and loaded once:
    a kernel's 17,800 findings hold ~1,300 distinct ones (most of them "no SPDX-License-Identifier ... the
    COPYING default applies"), its 10,000 notices ~1,200. Its columns then load in about half the time."""
    same: dict[Any, Any] = {}
    one = same.setdefault
    try:
        findings, notices = columns["findings"], columns["notices"]
        columns["findings"] = {path: one(found, tuple(one(f, f) for f in found)) for path, found in findings.items()}
        columns["notices"] = {path: one(notice, notice) for path, notice in notices.items()}
    except (KeyError, TypeError, AttributeError):  # (a payload of another shape, or a value that does not hash)
        pass
    return columns


def _columns_path(path: str) -> str:
    return path[: -len(".pickle")] + ".columns.pickle"


def save(root: str, fingerprint: str, payload: dict[str, Any]) -> bool:
    """Write the cache atomically (temporary files, then renames); False when it could not.

    The columns go to a file of their own, written first; the head names them by a token, so a
    head never goes with the columns of another save."""
    path = cache_path(root)
    if path is None:
        return False
    token = os.urandom(8).hex()
    head = {key: payload[key] for key in HEAD_KEYS}
    columns = _shared({key: value for key, value in payload.items() if key not in HEAD_KEYS and key not in RAW_COLUMNS})
    try:
        count = len(payload["status"])
        raw = [_raw_column(payload[name], count) for name in RAW_COLUMNS]
    except (KeyError, TypeError, ValueError):  # (a payload of another shape)
        return False
    columns[RAW] = {name: (len(data), len(starts)) for name, (data, starts) in zip(RAW_COLUMNS, raw)}

    def write_columns(handle: BinaryIO) -> None:
        pickle.dump({"token": token, "columns": columns}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        for data, starts in raw:
            handle.write(starts)
            handle.write(data)

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _write(_columns_path(path), write_columns)
        _write(path, _pickled({"meta": _meta(root, fingerprint), "token": token, "head": head}))
    except OSError:
        return False
    return True


#: Reports kept per tree (``save_output``): the most recently written ones.
OUTPUTS_KEPT = 8


def _output_path(path: str, key: str) -> str:
    name = hashlib.sha1(key.encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest()[:16]
    return f"{path[: -len('.pickle')]}.out-{name}.pickle"


class KeptBytes:
    """The bytes kept after a report's pickles (``save_output(raw=...)``), left in their file (open, so that
    a run that replaces it meanwhile does not matter) until they are written out: by ``write_to``, the
    kernel copying them (``os.sendfile``) where it can, so a 25 MB report never enters Python's memory."""

    def __init__(self, handle: BinaryIO, offset: int, length: int) -> None:
        self.handle, self.offset, self.length = handle, offset, length

    def close(self) -> None:
        self.handle.close()

    def write_to(self, stream: IO) -> None:
        """Write the bytes to *stream* (a text stream: to its binary buffer, or decoded as ASCII), then close."""
        import errno

        try:
            sent = 0
            try:
                stream.flush()
                out = stream.fileno()
            except (AttributeError, OSError, ValueError):
                out = -1
            if out >= 0 and hasattr(os, "sendfile"):
                try:
                    while sent < self.length:
                        n = os.sendfile(out, self.handle.fileno(), self.offset + sent, self.length - sent)
                        if n == 0:
                            break
                        sent += n
                except OSError as exc:
                    if sent or exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF,
                                                 errno.EAGAIN, errno.ENOTSOCK):  # (macOS: to a socket only)
                        raise
            if sent < self.length:  # no sendfile here (or a stream with no file descriptor: a test's capture)
                self.handle.seek(self.offset + sent)
                buffer = getattr(stream, "buffer", None)
                left = self.length - sent
                while left > 0:
                    chunk = self.handle.read(min(left, 1 << 20))
                    if not chunk:
                        raise OSError(errno.EIO, "a kept report ends early")
                    left -= len(chunk)
                    if buffer is not None:
                        buffer.write(chunk)
                    else:
                        stream.write(chunk.decode("ascii"))
                if buffer is not None:
                    buffer.flush()
                stream.flush()
        finally:
            self.close()


def load_output(root: str, fingerprint: str | None, key: str,
                stamp: str = "") -> tuple[str, Any, KeptBytes | None] | None:
    """A report kept for *root* under *key* (``save_output``): (the listing signature it was made
    from, the report, its bytes kept after it or None), or None. The caller prints it only if the tree's
    signature is still that one (and closes the KeptBytes it does not write).

    *fingerprint*: the tree's Context's; or None, and *stamp*, ``kept.context_stamp``: the report is then
    trusted when it was kept with that stamp (what the Context is made of has not changed since), without
    making the Context."""
    path = cache_path(root)
    if path is None:
        return None
    handle = None
    try:
        handle = open(_output_path(path, key), "rb")  # kept open by KeptBytes
        head = pickle.load(handle)
        if fingerprint is None:
            meta = _meta(root, "")
            trusted = bool(stamp) and head[0][:-1] == meta[:-1] and head[1] == key and head[3] == stamp
        else:
            trusted = head[:2] == (_meta(root, fingerprint), key)
        if not trusted or not head[2]:
            handle.close()
            return None
        report, length = pickle.load(handle)
        if not length:
            handle.close()
            return head[2], report, None
        offset = handle.tell()
        if os.fstat(handle.fileno()).st_size != offset + length:
            handle.close()
            return None
        return head[2], report, KeptBytes(handle, offset, length)
    except Exception:  # missing, corrupt or of another version: made again
        if handle is not None:
            handle.close()
        return None


def save_output(root: str, fingerprint: str, signature: str, key: str, report: Any,
                raw: Sequence[bytes] = (), stamp: str = "") -> bool:
    """Keep *report* (what a command printed or wrote, whole) for *root* under *key*, with the listing
    *signature* of the tree it was made from; False when it could not be written. *raw*: bytes kept after
    the report, one part after the other, that a warm run writes out without reading them (``KeptBytes``).
    *stamp*: ``kept.context_stamp`` of the tree taken before the report was made (``load_output``).

    Each report is a file of its own beside the cache (a small head, then the report), so that a
    warm run loads only the one it prints. Reports of another state of the tree are removed, and
    of the rest only the ``OUTPUTS_KEPT`` most recent are kept."""
    path = cache_path(root)
    if path is None or not signature:
        return False
    target = _output_path(path, key)
    head = (_meta(root, fingerprint), key, signature, stamp)

    def write(handle: BinaryIO) -> None:
        pickle.dump(head, handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump((report, sum(map(len, raw))), handle, protocol=pickle.HIGHEST_PROTOCOL)
        for part in raw:
            handle.write(part)

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _write(target, write)
    except OSError:
        return False
    _prune_outputs(path, target, head)
    return True


def _prune_outputs(path: str, kept: str, head: tuple) -> None:
    directory, name = os.path.split(path)
    prefix = name[: -len(".pickle")] + ".out-"
    others: list[tuple[float, str]] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for other in names:
        if not other.startswith(prefix) or not other.endswith(".pickle"):
            continue
        full = os.path.join(directory, other)
        if full == kept:
            continue
        try:
            with open(full, "rb") as handle:
                other_head = pickle.load(handle)
            stale = not isinstance(other_head, tuple) or len(other_head) != 4 or other_head[0] != head[0] \
                or other_head[2] != head[2]
            if stale:
                os.unlink(full)
            else:
                others.append((os.stat(full).st_mtime, full))
        except Exception:  # unreadable or removed meanwhile by another run
            try:
                os.unlink(full)
            except OSError:
                pass
    others.sort(reverse=True)
    for _mtime, full in others[OUTPUTS_KEPT - 1 :]:
        try:
            os.unlink(full)
        except OSError:
            pass


def _pickled(data: dict[str, Any]) -> Callable[[BinaryIO], None]:
    return lambda handle: pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)  # streamed, not held


def _write(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Replace *path* with what *write* writes, atomically."""
    with replacing(path) as handle:
        write(handle)


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
        _write(path, lambda handle: handle.write(stamp.encode() + b"\n" + b"\0".join(link_records)))
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
