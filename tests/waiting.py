"""Waiting for another process (a worker, a server) without sleeping a guessed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T | None],
    timeout: float = 20,
    *,
    interval: float = 0.05,
    message: str = "the condition",
) -> T:
    """Call predicate until it returns something truthy and return that; fail after `timeout` s.

    A fixed sleep is either too short on a busy machine (a flaky test) or too long on a quiet
    one (a slow suite); polling against a deadline is neither.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result is not None and result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for {message}")
        time.sleep(interval)
