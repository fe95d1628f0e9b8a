"""The helper every race test runs its threads with (tests/concurrency.py)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from tests.concurrency import run_concurrently


def test_the_results_come_back_in_the_order_of_the_arguments():
    assert run_concurrently(lambda a, b: a * b, [(1, 2), (3, 4), (5, 6)]) == [2, 12, 30]


def test_an_exception_in_one_thread_fails_the_caller():
    def divide(n: int) -> float:
        return 1 / n

    with pytest.raises(ZeroDivisionError):
        run_concurrently(divide, [(1,), (0,), (2,)])


def test_exceptions_in_several_threads_all_reach_the_caller():
    def refuse(n: int) -> None:
        raise ValueError(f"refused {n}")

    with pytest.raises(ExceptionGroup) as raised:
        run_concurrently(refuse, [(1,), (2,)])
    assert sorted(str(exc) for exc in raised.value.exceptions) == ["refused 1", "refused 2"]


def test_a_failed_assertion_in_a_thread_fails_the_caller():
    def check(n: int) -> None:
        assert n < 3, f"{n} is too big"

    with pytest.raises(AssertionError, match="3 is too big"):
        run_concurrently(check, [(1,), (3,)])


def test_the_threads_run_at_the_same_time():
    # Each call waits for all the others: run one after another, they would time out.
    together = threading.Barrier(4, timeout=5)
    assert sorted(run_concurrently(together.wait, [()] * 4)) == [0, 1, 2, 3]


def test_a_thread_that_does_not_finish_in_time_fails_the_caller():
    release = threading.Event()

    def hang_if(told: bool) -> None:
        if told:
            release.wait(10)

    try:
        with pytest.raises(AssertionError, match=r"^1 of 2 threads still running after 0\.5 s$"):
            run_concurrently(hang_if, [(True,), (False,)], timeout=0.5)
    finally:
        release.set()


@pytest.mark.django_db(transaction=True)
def test_each_thread_closes_its_database_connection():
    def query() -> BaseDatabaseWrapper:
        wrapper = connections["default"]  # this thread's own
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert wrapper.connection is not None
        return wrapper

    thread_wrappers = run_concurrently(query, [(), ()])
    assert all(wrapper is not connections["default"] for wrapper in thread_wrappers)
    assert all(wrapper.connection is None for wrapper in thread_wrappers)
