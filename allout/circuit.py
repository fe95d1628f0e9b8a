"""A small circuit breaker for Redis: after one timeout, skip Redis for a few seconds.

Every Redis call of a request is bounded by REDIS_TIMEOUT, but a request makes several
(the rate limit, cached pages, allauth's locks, the Celery publish): a Redis that accepts
connections and never answers cost each one its full wait, 4 s and more per sign. With the
breaker, the first call that fails opens it for REDIS_BREAKER_SECONDS; until then every
call fails at once without touching the network (the cache misses, the rate limit fails
open, the outbox row waits for the sweeper). Then one call is let through as a trial: if it
answers, the breaker closes; if not, it stays open for another period.

State is per process and per Redis server (scheme, host and port): the cache, the rate
limiter and the broker share one breaker when they share one server, so a timeout seen by
any of them spares the others. Nothing is shared between processes: each gunicorn worker
pays its own one wait per period.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError


class CircuitOpen(RedisConnectionError):
    """Redis was skipped: it failed less than a breaker period ago.

    A redis ConnectionError, so every `except DOWN` that fails open already handles it.
    """


class Breaker:
    def __init__(self, name: str, *, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.seconds = seconds
        self.clock = clock
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """True while calls are refused (the trial, once due, is not refused)."""
        with self._lock:
            return self._opened_at is not None and self.clock() - self._opened_at < self.seconds

    def allow(self) -> bool:
        """May a call touch the network now? Once a period is over, exactly one caller gets
        True (the trial); the period restarts for everyone else, so a trial that hangs or
        never reports back costs one wait per period, never a stuck breaker."""
        with self._lock:
            if self._opened_at is None:
                return True
            now = self.clock()
            if now - self._opened_at < self.seconds:
                return False
            self._opened_at = now
            return True

    def succeeded(self) -> None:
        with self._lock:
            self._opened_at = None

    def failed(self) -> None:
        with self._lock:
            self._opened_at = self.clock()

    @contextmanager
    def guard(self, failures: tuple[type[BaseException], ...]) -> Iterator[None]:
        """Run the block if allowed, else raise CircuitOpen; an exception in `failures`
        opens the breaker (and is raised), anything else counts as Redis having answered."""
        if not self.allow():
            raise CircuitOpen(f"Redis at {self.name} skipped for a few seconds after a failure")
        try:
            yield
        except failures:
            self.failed()
            raise
        except BaseException:
            self.succeeded()  # an error Redis answered with (a wrong type, a script error)
            raise
        self.succeeded()


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def server(url: str) -> str:
    """The server a Redis URL names, without its database number or password."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}"


def breaker_for(url: str) -> Breaker:
    """The process's breaker for the Redis server at `url`."""
    name = server(url)
    with _breakers_lock:
        breaker = _breakers.get(name)
        if breaker is None or breaker.seconds != settings.REDIS_BREAKER_SECONDS:
            breaker = _breakers[name] = Breaker(name, seconds=settings.REDIS_BREAKER_SECONDS)
        return breaker


def reset() -> None:
    """Close every breaker (tests; a process that knows Redis is back)."""
    with _breakers_lock:
        _breakers.clear()
