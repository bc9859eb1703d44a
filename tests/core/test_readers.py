"""The forked reader processes of a cold scan: results in order, failures as errors, never a hang."""

from __future__ import annotations

import os
import signal

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


def test_setup_runs_in_each_reader_before_its_jobs():
    def setup() -> None:
        os.environ["LICTREE_READER_SET_UP"] = "yes"

    def look(_job: object) -> str:
        return os.environ.get("LICTREE_READER_SET_UP", "no")

    assert set(readers.run_forked(look, list(range(50)), 2, setup=setup)) == {"yes"}
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
