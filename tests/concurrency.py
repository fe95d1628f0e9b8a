"""Run a function in several threads at once, the way the race tests need it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections

T = TypeVar("T")


def run_concurrently(
    fn: Callable[..., T], args_list: Sequence[tuple[Any, ...]], *, timeout: float = 60
) -> list[T]:
    """Call fn(*args) for every args in args_list, each in its own thread; return the results.

    The threads are released together by a barrier, so the calls really overlap. Each thread
    closes its own database connections when it ends: Django opens one per thread, and one
    left open would block the test database's teardown. An exception raised in a thread is
    raised here (several come as one ExceptionGroup), and a thread still running after
    `timeout` seconds fails the call, so a race test can neither lose an error nor hang.
    """
    count = len(args_list)
    barrier = threading.Barrier(count, timeout=timeout)
    results: list[Any] = [None] * count
    errors: list[tuple[int, BaseException]] = []
    lock = threading.Lock()

    def run(index: int, args: tuple[Any, ...]) -> None:
        try:
            barrier.wait()
            results[index] = fn(*args)
        except BaseException as exc:
            with lock:
                errors.append((index, exc))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, args), daemon=True, name=f"concurrent-{index}")
        for index, args in enumerate(args_list)
    ]
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:
        raise AssertionError(f"{len(stuck)} of {count} threads still running after {timeout} s")
    errors.sort(key=lambda pair: pair[0])
    if len(errors) == 1:
        raise errors[0][1]
    if errors:
        raise BaseExceptionGroup(
            f"{len(errors)} of {count} threads failed", [exc for _, exc in errors]
        )
    return results
