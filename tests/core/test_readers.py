"""The forked reader processes of a cold scan: results in order, failures as errors, never a hang; in a
process with several threads (the UI), forked by the reader server rather than by that process."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import warnings

import pytest

from tui.core import readers

pytestmark = pytest.mark.skipif(not readers.can_fork(), reason="needs fork")


def square(n: int) -> int:
    return n * n


def pid_of(_job: object) -> int:
    return os.getpid()


def test_results_come_in_the_order_of_the_jobs_from_several_processes():
    jobs = list(range(20_000))  # more job numbers than a pipe holds: they are written as they are taken
    assert list(readers.run_forked(square, jobs, 2)) == [n * n for n in jobs]
    pids = set(readers.run_forked(pid_of, list(range(200)), 2))
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def blob(n: int) -> bytes:
    return bytes([n % 251]) * (n * 700_001 % 3_000_017)


def test_results_of_every_size_arrive_whole_through_the_pipes():
    # from a few bytes to several MiB: more than a pipe holds, written in pieces and read into one buffer
    sizes = list(range(12))
    got = list(readers.run_forked(blob, sizes, 2))
    assert [len(b) for b in got] == [len(blob(n)) for n in sizes]
    assert got == [blob(n) for n in sizes]


def test_write_all_writes_both_parts_whole_whatever_the_pipe_takes_at_a_time():
    read_end, write_end = os.pipe()
    got: list[bytes] = []

    def drain() -> None:
        while part := os.read(read_end, 4096):
            got.append(part)

    drainer = threading.Thread(target=drain)
    drainer.start()
    try:
        data, more = b"head" * 10, bytes(range(256)) * 1000  # more than a pipe holds: written in pieces
        readers._write_all(write_end, data, more)
        readers._write_all(write_end, b"x")
    finally:
        os.close(write_end)
        drainer.join()
        os.close(read_end)
    assert b"".join(got) == data + more + b"x"


def set_up() -> None:
    os.environ["LICTREE_READER_SET_UP"] = "yes"


def look(_job: object) -> str:
    return os.environ.get("LICTREE_READER_SET_UP", "no")


def test_setup_runs_in_each_reader_before_its_jobs():
    assert set(readers.run_forked(look, list(range(50)), 2, setup=set_up)) == {"yes"}
    assert "LICTREE_READER_SET_UP" not in os.environ  # only the readers ran it


def fail_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError("seven is not allowed")
    return n


def test_an_exception_in_a_job_is_an_error_carrying_its_traceback():
    with pytest.raises(readers.ReaderError, match="seven is not allowed"):
        list(readers.run_forked(fail_on_seven, list(range(20)), 2))
    assert_no_children()


def die_on_three(n: int) -> int:
    if n == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return n


def test_a_reader_that_dies_is_an_error_not_a_hang():
    signal.alarm(20)  # a hang fails the test instead of the run
    try:
        with pytest.raises(readers.ReaderError, match="died"):
            list(readers.run_forked(die_on_three, list(range(10)), 1))
    finally:
        signal.alarm(0)
    assert_no_children()


def slow(n: int) -> int:
    import time

    time.sleep(0.05)
    return n


def test_stopping_early_kills_and_reaps_the_readers():
    results = readers.run_forked(slow, list(range(200)), 2)
    assert next(results) == 0
    results.close()
    assert_no_children()


def assert_no_children() -> None:
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


# With other threads running: the readers come from the reader server ---------------------------


@pytest.fixture
def threaded():
    """Another thread runs for the whole test (as the UI's do)."""
    done = threading.Event()
    thread = threading.Thread(target=done.wait, daemon=True)
    thread.start()
    yield
    done.set()
    thread.join()


def parent_of(_job: object) -> tuple[int, int]:
    return os.getpid(), os.getppid()


def niceness_and_cwd(_job: object) -> tuple[int, str]:
    return os.getpriority(os.PRIO_PROCESS, 0), os.getcwd()


def test_a_process_with_threads_does_not_fork_its_readers_itself(threaded):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert list(readers.run_forked(square, list(range(3000)), 2)) == [n * n for n in range(3000)]
        parents = set(readers.run_forked(parent_of, list(range(200)), 2))
    assert {ppid for _pid, ppid in parents} != {os.getpid()}, "forked from a process with several threads"
    assert os.getpid() not in {pid for pid, _ppid in parents}
    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] == []
    assert set(readers.run_forked(look, list(range(50)), 2, setup=set_up)) == {"yes"}
    assert "LICTREE_READER_SET_UP" not in os.environ


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
def test_readers_from_the_server_take_the_priority_of_the_thread_that_asked_and_its_directory(threaded, tmp_path,
                                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    seen: list = []

    def lower_then_read() -> None:
        os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0) + 3)
        seen.extend(readers.run_forked(niceness_and_cwd, list(range(20)), 2))
        seen.append(os.getpriority(os.PRIO_PROCESS, 0))

    thread = threading.Thread(target=lower_then_read)
    thread.start()
    thread.join()
    asked = seen.pop()
    assert set(seen) == {(asked, str(tmp_path))}


def test_failures_and_early_stops_through_the_server_end_the_readers(threaded):
    with pytest.raises(readers.ReaderError, match="seven is not allowed"):
        list(readers.run_forked(fail_on_seven, list(range(20)), 2))
    signal.alarm(20)
    try:
        with pytest.raises(readers.ReaderError, match="died"):
            list(readers.run_forked(die_on_three, list(range(10)), 1))
    finally:
        signal.alarm(0)
    results = readers.run_forked(slow_pid, list(range(200)), 2)
    first = next(results)
    results.close()
    with pytest.raises(ProcessLookupError):  # killed and reaped by the server (it is their parent)
        os.kill(first, 0)


def slow_pid(_job: object) -> int:
    import time

    time.sleep(0.05)
    return os.getpid()


def test_jobs_that_cannot_be_sent_to_the_server_are_an_error(threaded):
    with pytest.raises((AttributeError, TypeError, pickle.PicklingError)):
        list(readers.run_forked(lambda n: n, list(range(5)), 2))


SCRIPT = """
import os, sys, threading, warnings
warnings.simplefilter("always")
from tui.core import readers
assert readers.start_server()
server = readers._SERVER.pid
threading.Thread(target=threading.Event().wait, daemon=True).start()
import tests.core.test_readers as t
parents = set(readers.run_forked(t.parent_of, list(range(100)), 2))
print(sorted({ppid for _pid, ppid in parents}) == [server], readers._SERVER.pid == server)
"""


def test_the_server_started_before_any_thread_forks_the_readers_without_a_warning():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=root, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]
    assert "multi-threaded" not in proc.stderr and "Warning" not in proc.stderr


def test_a_dead_server_is_an_error_and_the_next_scan_starts_a_new_one(threaded):
    assert list(readers.run_forked(square, list(range(10)), 2)) == [n * n for n in range(10)]
    server = readers._SERVER
    os.kill(server.pid, signal.SIGKILL)
    if server._process is not None:
        server._process.wait()
    else:
        os.waitpid(server.pid, 0)
    with pytest.raises(readers.ReaderError, match="server died"):
        list(readers.run_forked(square, list(range(10)), 2))
    assert list(readers.run_forked(square, list(range(10)), 2)) == [n * n for n in range(10)]
    assert readers._SERVER is not server


def test_forked_call_gives_the_result_of_a_child_process():
    """``forked_call``: the work runs in a child while this process goes on (a report's summary while its
    lines are made); its result, or its failure with the child's traceback."""
    from tui.core.readers import ReaderError, forked_call

    if not readers.single_threaded():
        pytest.skip("another thread runs in this test process")
    result = forked_call(lambda: (os.getpid(), [1, 2, 3]))
    pid, numbers = result()
    assert numbers == [1, 2, 3] and pid != os.getpid()

    def fails() -> None:
        raise ValueError("no such thing")

    with pytest.raises(ReaderError, match="ValueError: no such thing"):
        forked_call(fails)()


def test_forked_call_runs_in_this_process_beside_other_threads():
    import threading

    from tui.core.readers import forked_call

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert forked_call(os.getpid)() == os.getpid()
    finally:
        stop.set()
        thread.join()


def test_readers_that_gave_every_result_are_not_waited_for_but_never_left_behind():
    # A finished run returns while its readers are still being torn down (a reader of a kernel scan holds
    # ~100 MB): they are reaped as soon as they are gone, by the next run at the latest.
    assert list(readers.run_forked(square, list(range(50)), 2)) == [n * n for n in range(50)]
    assert list(readers.run_forked(square, list(range(50)), 2)) == [n * n for n in range(50)]
    assert len(readers._ENDING) <= 4  # (the last run's, at most: the earlier ones reaped by it)
    readers._reap(wait=True)
    assert not readers._ENDING
