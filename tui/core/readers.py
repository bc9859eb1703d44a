"""Reader processes: a list of jobs run by a few processes forked for it, results in order.

Each reader is forked once the jobs are known, so it inherits them (nothing is sent but a job's
number); the readers share one pipe of job numbers (a 4-byte read from a pipe is atomic, so each
number goes to exactly one of them) and each sends its results down a pipe of its own. There are
no helper threads in the parent: ``multiprocessing.Pool`` cost the parent about ten times as much CPU
a job, taken from the readers on a 2-core machine (docs/performance.md).

Forking is safe only while this process has a single thread: a lock another thread holds at that
moment (the allocator's, the import lock, a logging handler's) stays held in the child forever. So a
process with one thread (``lictree check``) forks its readers itself, and a process with more (the UI:
its indexing thread, Textual's threads) has them forked by a *reader server*: a process that never
starts a thread, forked by ``start_server`` before any thread starts (the UI does so first thing), or
else started afresh (``python -c``) the first time it is needed. The jobs, ``run`` and ``setup`` go to
it pickled, the pipes' ends as file descriptors over a
Unix socket; the readers it forks take the priority of the thread that asked for them and work from
its current directory.

A reader leaves Ctrl-C to the parent, which kills the readers when it stops early; a reader that
dies is an error in the parent (``ReaderError``), never a hang.
"""

from __future__ import annotations

import atexit
import gc
import os
import pickle
import signal
import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

_NUMBER = struct.Struct("<I")
_HEADER = struct.Struct("<IQ")  # job number, length of the pickled result
_REQUEST = struct.Struct("<cQ")  # the server's commands: kind (b"R" run, b"S" stop), length of what follows


class ReaderError(RuntimeError):
    """A reader process failed (its traceback is the message) or died."""


class _Failure:
    def __init__(self, text: str) -> None:
        self.text = text


def can_fork() -> bool:
    return hasattr(os, "fork") and hasattr(os, "pipe")


def single_threaded() -> bool:
    """Whether this process has one thread (counted by the OS: threads that C code started count too)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return threading.active_count() == 1


def run_forked(run: Callable[[Any], Any], jobs: Sequence[Any], size: int,
               setup: Callable[[], None] | None = None) -> Iterator[Any]:
    """``map(run, jobs)`` in *size* forked processes, yielded in the order of *jobs*.

    *setup* runs once in each reader before its first job. Closing the iterator early (or an
    exception in the caller) kills the readers. In a process with several threads, *run*, *jobs* and
    *setup* must pickle (they go to the reader server).
    """
    if not jobs:
        return
    count = max(1, min(size, len(jobs)))
    job_r, job_w = os.pipe()
    results: list[int] = []  # the read ends, ours
    ends: list[int] = []  # the write ends, the readers'
    stop: Callable[[bool], None] | None = None
    try:
        for _ in range(count):
            res_r, res_w = os.pipe()
            _widen(res_w)
            results.append(res_r)
            ends.append(res_w)
        if single_threaded():  # no other thread can hold a lock the readers need
            stop = _fork_readers(run, jobs, setup, job_r, job_w, results, ends)
        else:
            stop = _server().start(run, jobs, setup, job_r, ends)
    except BaseException:
        _close(job_w, *results)
        raise
    finally:
        _close(job_r, *ends)
    finished = False
    try:
        yield from _results(jobs, job_w, results)  # which closes job_w
        finished = True
    finally:
        _close(*results)
        stop(finished)


def forked_call(run: Callable[[], Any]) -> Callable[[], Any]:
    """*run* started now in a forked child, so that this process goes on with other work meanwhile (where
    it has one thread: else *run* is what is returned, called when its result is wanted). Returns what
    gives *run*'s result (pickled back), waiting for the child; a ``ReaderError`` if it failed or died.
    Call it once, always (the child is reaped then)."""
    if not (can_fork() and single_threaded()):
        return run
    _reap()
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        _close(read_end, write_end)
        return run
    if pid == 0:  # the child: never returns
        status = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            os.close(read_end)
            try:
                payload = pickle.dumps(run(), pickle.HIGHEST_PROTOCOL)
            except BaseException:
                import traceback

                payload = pickle.dumps(_Failure(traceback.format_exc()), pickle.HIGHEST_PROTOCOL)
            _write_all(write_end, payload)
            os.close(write_end)  # (the result is whole now: the parent need not wait for this process to end)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)

    def result() -> Any:
        try:
            parts = []
            while part := os.read(read_end, 1 << 20):
                parts.append(part)
        finally:
            os.close(read_end)
            _reap_later(pid)
        if not parts:
            raise ReaderError("a child process died")
        got = pickle.loads(b"".join(parts))
        if isinstance(got, _Failure):
            raise ReaderError(got.text)
        return got

    return result


def _close(*fds: int) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _fork_readers(run: Callable[[Any], Any], jobs: Sequence[Any], setup: Callable[[], None] | None, job_r: int,
                  job_w: int, results: list[int], ends: list[int]) -> Callable[[bool], None]:
    """Fork the readers from this (single-threaded) process; returns what stops them (``_stop``)."""
    pids: list[int] = []
    try:
        for i, res_w in enumerate(ends):
            pid = os.fork()
            if pid == 0:  # the reader: never returns
                _reader(run, jobs, setup, job_r, res_w, [job_w, *results, *ends[:i], *ends[i + 1 :]])
            pids.append(pid)
    except BaseException:
        _stop(pids)
        raise
    return partial(_stop, pids)


def _reader(run: Callable[[Any], Any], jobs: Sequence[Any], setup: Callable[[], None] | None, job_r: int,
            res_w: int, inherited: list[int], niceness: int | None = None, cwd: str | None = None) -> None:
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for fd in inherited:  # the other ends of the pipes, and the other readers' result pipes
            os.close(fd)
        if niceness is not None and niceness > os.getpriority(os.PRIO_PROCESS, 0):
            os.setpriority(os.PRIO_PROCESS, 0, niceness)
        if cwd is not None:
            os.chdir(cwd)
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
            _write_all(res_w, _HEADER.pack(i, len(payload)), payload)
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _widen(fd: int) -> None:
    """A result pipe made to hold 1 MiB (Linux): a reader's chunk goes down it in a few writes, not 64 KiB
    at a time with a wait for the parent between each."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _write_all(fd: int, data: bytes | memoryview, more: bytes = b"") -> None:
    """*data*, then *more*, written whole (the two together in one call where the OS has ``writev``)."""
    if more and hasattr(os, "writev"):
        n = os.writev(fd, [data, more])
        if n < len(data):
            data = data[n:]
        else:
            data, more = memoryview(more)[n - len(data):], b""
    elif more:
        data, more = data + more, b""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    if more:
        _write_all(fd, more)


def _read_exactly(fd: int, size: int) -> bytes | bytearray:
    first = os.read(fd, size)  # most often all of it (the pipe holds 1 MiB): no zeroed buffer to fill
    if len(first) == size or not first:
        if not first and size:
            raise ReaderError("a reader process died")
        return first
    # the rest read into one buffer: no piece by piece allocation, and no join
    buffer = bytearray(size)
    view = memoryview(buffer)
    view[: len(first)] = first
    got = len(first)
    while got < size:
        n = os.readv(fd, [view[got:]])
        if not n:
            raise ReaderError("a reader process died")
        got += n
    return buffer


def _results(jobs: Sequence[Any], job_w: int, results: list[int]) -> Iterator[Any]:
    import selectors

    numbers = b"".join(_NUMBER.pack(i) for i in range(len(jobs)))
    os.set_blocking(job_w, False)  # more numbers than a pipe holds are written as the readers take them
    selector = selectors.DefaultSelector()
    try:
        for fd in results:
            selector.register(fd, selectors.EVENT_READ)
        selector.register(job_w, selectors.EVENT_WRITE)
        sent = 0
        working = len(results)
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


def _stop(pids: list[int], finished: bool = False) -> None:
    """Reap the readers (children of this process); any still running (the caller stopped early) are killed first.
    *finished*: every result came, so the readers are ending on their own: those not gone yet (a process of a
    hundred megabytes takes milliseconds to be torn down) are reaped later, not waited for."""
    for pid in pids:
        try:
            if finished:
                _reap_later(pid)
                continue
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
    if not finished:
        _reap(wait=True)  # (a run that failed leaves no child behind, not even one of an earlier run)


#: Children that had given all they were asked for but were still ending when last looked at (``_reap_later``).
_ENDING: list[int] = []


def _reap_later(pid: int) -> None:
    """Reap *pid*, a child that is ending on its own, if it is gone; else later (``_reap``), not waiting for it."""
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return
    if done == 0:
        _ENDING.append(pid)
    _reap()


def _reap(wait: bool = False) -> None:
    """Reap the children ``_reap_later`` left that have ended since (*wait*: all of them, waiting for those still
    ending)."""
    for pid in list(_ENDING):
        try:
            done, _status = os.waitpid(pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _ENDING.remove(pid)


# The reader server ------------------------------------------------------------------------------

_SERVER: _Server | None = None
_SERVER_LOCK = threading.Lock()


def start_server() -> bool:
    """Fork the reader server now, if this process has a single thread and has none yet (call it before
    starting any thread). Returns whether a server is running."""
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None and can_fork() and single_threaded():
            ours, theirs = socket.socketpair()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the server: never returns
                status = 1
                try:
                    ours.close()
                    _detach(theirs.fileno())
                    status = _serve(theirs)
                finally:
                    os._exit(status)
            theirs.close()
            _SERVER = _Server(ours, pid)
        return _SERVER is not None


def _detach(keep: int) -> None:
    """In a forked server: keep no file descriptor of the parent's but stderr (and *keep*), so that a pipe
    the parent closes reaches its end (a child's stdin, a pipe to a pager)."""
    gc.disable()  # nothing the parent made is let go (its objects may name descriptors closed here)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    os.closerange(3, keep)
    os.closerange(keep + 1, max(keep + 2, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024))


def _server() -> _Server:
    """The reader server: the one ``start_server`` forked, else one started now in a fresh interpreter."""
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None:
            import subprocess

            ours, theirs = socket.socketpair()
            code = (f"import sys; sys.path[:0] = {[p for p in sys.path if p]!r}; "
                    f"from tui.core.readers import _serve; sys.exit(_serve(__import__('socket').socket("
                    f"fileno={theirs.fileno()})))")
            try:
                process = subprocess.Popen([sys.executable, "-c", code], pass_fds=(theirs.fileno(),),
                                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            finally:
                theirs.close()
            _SERVER = _Server(ours, process.pid, process)
        return _SERVER


class _Server:
    """This process's end of the reader server's socket; one request (and its answer) at a time."""

    def __init__(self, sock: socket.socket, pid: int, process: object = None) -> None:
        self.sock = sock
        self.pid = pid
        self._process = process  # (a Popen: kept so that it is not reaped as garbage while it runs)
        self._lock = threading.Lock()
        atexit.register(sock.close)  # which ends the server

    def start(self, run: Callable[[Any], Any], jobs: Sequence[Any], setup: Callable[[], None] | None, job_r: int,
              ends: list[int]) -> Callable[[bool], None]:
        """Have the server fork a reader for each of *ends* (result pipes); returns what stops them."""
        try:
            cwd: str | None = os.getcwd()
        except OSError:
            cwd = None
        payload = pickle.dumps((run, jobs, setup, os.getpriority(os.PRIO_PROCESS, 0), cwd), pickle.HIGHEST_PROTOCOL)
        try:
            with self._lock:
                socket.send_fds(self.sock, [_REQUEST.pack(b"R", len(payload))], [job_r, *ends])
                self.sock.sendall(payload)
                pids = self._answer()
        except (OSError, ReaderError) as exc:
            self._forget()
            raise ReaderError(f"the reader server died ({exc})") from None
        if isinstance(pids, str):
            raise ReaderError(f"the reader server could not start the readers: {pids}")
        return lambda _finished=False: self._stop(pids)

    def _stop(self, pids: list[int]) -> None:
        payload = pickle.dumps(pids)
        try:
            with self._lock:
                self.sock.sendall(_REQUEST.pack(b"S", len(payload)) + payload)
                self._answer()
        except (OSError, ReaderError):  # the server died: its readers end with their pipes
            self._forget()

    def _forget(self) -> None:
        """This server is dead: the next reader start begins a new one."""
        global _SERVER
        with _SERVER_LOCK:
            if _SERVER is self:
                _SERVER = None
        self.sock.close()

    def _answer(self) -> Any:
        (size,) = struct.unpack("<Q", _receive(self.sock, 8))
        return pickle.loads(_receive(self.sock, size))


def _receive(sock: socket.socket, size: int) -> bytes:
    parts = []
    while size:
        part = sock.recv(min(size, 1 << 20))
        if not part:
            raise ReaderError("the reader server died")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _serve(sock: socket.socket) -> int:
    """The reader server's loop: fork readers on request, reap them when told; ends when the socket closes.

    It never starts a thread, so forking is always safe here."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the app's to handle
    while True:
        try:
            head, fds, _flags, _address = socket.recv_fds(sock, _REQUEST.size, 64)
        except OSError:
            return 0
        if not head:
            return 0
        if len(head) < _REQUEST.size:
            head += _receive(sock, _REQUEST.size - len(head))
        kind, size = _REQUEST.unpack(head)
        body = _receive(sock, size)
        if kind == b"S":
            _stop(pickle.loads(body))
            answer: Any = None
        else:
            answer = _fork_for(sock, body, fds)
        payload = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        sock.sendall(struct.pack("<Q", len(payload)) + payload)


def _fork_for(sock: socket.socket, body: bytes, fds: list[int]) -> list[int] | str:
    """Fork a reader for each result pipe of *fds* (after the job pipe); their pids, or what went wrong."""
    job_r, ends = fds[0], fds[1:]
    pids: list[int] = []
    try:
        run, jobs, setup, niceness, cwd = pickle.loads(body)
        del body
        for i, res_w in enumerate(ends):
            pid = os.fork()
            if pid == 0:  # the reader: never returns
                sock.close()
                _reader(run, jobs, setup, job_r, res_w, [*ends[:i], *ends[i + 1 :]], niceness, cwd)
            pids.append(pid)
    except Exception as exc:
        _stop(pids)
        return f"{type(exc).__name__}: {exc}"
    finally:
        _close(*fds)
    return pids
