"""Writing a file so that it is replaced whole or not at all: a temporary file beside it, then a rename.
The cache (``cache``) and the exports (``export``) both write this way."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO


@contextmanager
def replacing(path: str, binary: bool = True, *, newline: str | None = None, mode: int | None = None,
              durable: bool = False) -> Iterator[IO]:
    """A stream whose content becomes *path* only when the block ends without error; on an error the
    temporary file is removed and *path* is left as it was.

    Text streams are UTF-8. *mode*: the permission bits the new file gets (None: mkstemp's 0o600).
    *durable*: flushed to disk before the rename (a report a user asked for, not a cache).
    """
    import tempfile  # only when writing: a warm run that prints a kept report never needs it

    directory, name = os.path.split(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".lictree-tmp", dir=directory or ".")
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": newline})) \
                as stream:
            yield stream
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
