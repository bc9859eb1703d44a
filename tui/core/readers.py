"""Reader processes: a list of jobs run by a few processes forked from this one, results in order.

Each reader is forked once the jobs are known, so it inherits them (nothing is sent but a job's
number); the readers share one pipe of job numbers (a 4-byte read from a pipe is atomic, so each
number goes to exactly one of them) and each sends its results down a pipe of its own. There are
no helper threads in the parent: on a kernel tree ``multiprocessing.Pool`` cost the parent ~1 ms of
CPU a job (0.1 s of a cold scan, taken from the readers on a 2-core machine); this costs ~0.1 ms.

A reader leaves Ctrl-C to the parent, which kills the readers when it stops early; a reader that
dies is an error in the parent (``ReaderError``), never a hang.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
from collections.abc import Callable, Iterator, Sequence
from typing import Any

_NUMBER = struct.Struct("<I")
_HEADER = struct.Struct("<IQ")  # job number, length of the pickled result


class ReaderError(RuntimeError):
    """A reader process failed (its traceback is the message) or died."""


class _Failure:
    def __init__(self, text: str) -> None:
        self.text = text


def can_fork() -> bool:
    return hasattr(os, "fork") and hasattr(os, "pipe")


def run_forked(run: Callable[[Any], Any], jobs: Sequence[Any], size: int,
               setup: Callable[[], None] | None = None) -> Iterator[Any]:
    """``map(run, jobs)`` in *size* forked processes, yielded in the order of *jobs*.

    *setup* runs once in each reader before its first job. Closing the iterator early (or an
    exception in the caller) kills the readers.
    """
    if not jobs:
        return
    job_r, job_w = os.pipe()
    kids: list[tuple[int, int]] = []  # (pid, result fd)
    try:
        for _ in range(max(1, min(size, len(jobs)))):
            res_r, res_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the reader: never returns
                _reader(run, jobs, setup, job_r, job_w, res_w, [fd for _pid, fd in kids] + [res_r])
            os.close(res_w)
            kids.append((pid, res_r))
    except BaseException:
        os.close(job_r)
        os.close(job_w)
        _stop(kids)
        raise
    os.close(job_r)
    try:
        yield from _results(jobs, job_w, kids)  # which closes job_w
    finally:
        _stop(kids)


def _reader(run: Callable[[Any], Any], jobs: Sequence[Any], setup: Callable[[], None] | None, job_r: int,
            job_w: int, res_w: int, inherited: list[int]) -> None:
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.close(job_w)
        for fd in inherited:  # the other readers' result pipes
            os.close(fd)
        if setup is not None:
            setup()
        while True:
            number = os.read(job_r, _NUMBER.size)
            if len(number) < _NUMBER.size:
                break
            (i,) = _NUMBER.unpack(number)
            try:
                payload = pickle.dumps(run(jobs[i]), pickle.HIGHEST_PROTOCOL)
            except BaseException:
                import traceback

                payload = pickle.dumps(_Failure(traceback.format_exc()), pickle.HIGHEST_PROTOCOL)
            _write_all(res_w, _HEADER.pack(i, len(payload)) + payload)
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int) -> bytes:
    parts = []
    while size:
        part = os.read(fd, min(size, 1 << 20))
        if not part:
            raise ReaderError("a reader process died")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _results(jobs: Sequence[Any], job_w: int, kids: list[tuple[int, int]]) -> Iterator[Any]:
    import selectors

    numbers = b"".join(_NUMBER.pack(i) for i in range(len(jobs)))
    os.set_blocking(job_w, False)  # more numbers than a pipe holds are written as the readers take them
    selector = selectors.DefaultSelector()
    try:
        for _pid, fd in kids:
            selector.register(fd, selectors.EVENT_READ)
        selector.register(job_w, selectors.EVENT_WRITE)
        sent = 0
        working = len(kids)
        done: dict[int, Any] = {}
        following = 0
        while following < len(jobs):
            while following in done:
                yield done.pop(following)
                following += 1
            if following >= len(jobs):
                break
            for key, _events in selector.select():
                fd = key.fd
                if fd == job_w:
                    try:
                        sent += os.write(job_w, numbers[sent:])
                    except BlockingIOError:
                        continue
                    if sent == len(numbers):
                        selector.unregister(job_w)
                        os.close(job_w)
                        job_w = -1
                    continue
                header = os.read(fd, _HEADER.size)
                if not header:  # this reader took no more jobs and left: the others may still be busy
                    selector.unregister(fd)
                    working -= 1
                    if not working:
                        raise ReaderError("a reader process died")
                    continue
                if len(header) < _HEADER.size:
                    header += _read_exactly(fd, _HEADER.size - len(header))
                i, size = _HEADER.unpack(header)
                result = pickle.loads(_read_exactly(fd, size))
                if isinstance(result, _Failure):
                    raise ReaderError(result.text)
                done[i] = result
    finally:
        selector.close()
        if job_w >= 0:
            os.close(job_w)


def _stop(kids: list[tuple[int, int]]) -> None:
    """Reap the readers; any still running (the caller stopped early) are killed first."""
    for pid, fd in kids:
        try:
            os.close(fd)
        except OSError:
            pass
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
