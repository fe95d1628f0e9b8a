"""A Redis cache that degrades to "no cache" while Redis is down, and the one plain client
for what the cache's API cannot do in one round trip (the rate-limit counters).

The cache holds cached pages and allauth's locks and rate limits; the plain client, ours.
None of that is worth a 500: when Redis does not answer, reads miss, writes are dropped,
`add` succeeds (so a lock is taken) and the request goes on. Callers of `redis_client()`
catch `DOWN` and fail open the same way.

Both go through the Redis server's circuit breaker (allout.circuit): after one timeout or
refused connection they skip Redis for REDIS_BREAKER_SECONDS, so a Redis that hangs costs a
request one wait, not one per call.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import redis
from django.conf import settings
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction
from redis.backoff import NoBackoff
from redis.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from allout.circuit import CircuitOpen, breaker_for

log = logging.getLogger(__name__)
T = TypeVar("T")
DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _failsafe(fallback):
    def decorator(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                with breaker_for(self._servers[0]).guard(DOWN):
                    return method(self, *args, **kwargs)
            except CircuitOpen:
                return fallback(*args, **kwargs) if callable(fallback) else fallback
            except DOWN:
                log.warning("Cache unavailable during %s", method.__name__, exc_info=True)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorator


class _OneClientPerPool(RedisCacheClient):
    """Django's client builds a redis.Redis, with its ~170 response callbacks, for every
    cache call; one per connection pool serves them all (redis.Redis is thread-safe)."""

    # Django's, which its type stubs leave out.
    _client: type[redis.Redis]
    _get_connection_pool: Callable[[bool], redis.ConnectionPool]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key=None, *, write=False) -> redis.Redis:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        # Django's __init__ sets its own client class on the instance, over any class attribute.
        self._class = _OneClientPerPool

    add = _failsafe(True)(RedisCache.add)
    get = _failsafe(lambda key, default=None, version=None: default)(RedisCache.get)
    set = _failsafe(None)(RedisCache.set)
    touch = _failsafe(False)(RedisCache.touch)
    delete = _failsafe(False)(RedisCache.delete)
    get_many = _failsafe({})(RedisCache.get_many)
    has_key = _failsafe(False)(RedisCache.has_key)
    incr = _failsafe(0)(RedisCache.incr)  # nothing counted: no limit applies
    set_many = _failsafe([])(RedisCache.set_many)
    delete_many = _failsafe(None)(RedisCache.delete_many)
    clear = _failsafe(None)(RedisCache.clear)


def redis_client() -> redis.Redis:
    """A client of REDIS_URL (the cache's Redis) that gives up after REDIS_TIMEOUT seconds."""
    return _client(settings.REDIS_URL, settings.REDIS_TIMEOUT)


class _GuardedPipeline(Pipeline):
    breaker_url = ""

    def execute(self, raise_on_error: bool = True) -> list:
        with breaker_for(self.breaker_url).guard(DOWN):
            return super().execute(raise_on_error)


class _GuardedRedis(redis.Redis):
    """Every command and pipeline through the server's circuit breaker."""

    breaker_url = ""

    def execute_command(self, *args, **options):
        with breaker_for(self.breaker_url).guard(DOWN):
            return super().execute_command(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        pipe = _GuardedPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )
        pipe.breaker_url = self.breaker_url
        return pipe


@cache
def _client(url: str, timeout: int) -> redis.Redis:
    # One connection pool per URL for the life of the process. No retries: a request
    # waits at most one timeout for a Redis that is down, then goes on without it.
    client = cast(
        _GuardedRedis,
        _GuardedRedis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=Retry(NoBackoff(), 0)
        ),
    )
    client.breaker_url = url
    return client


# --- Versions: cached entries that staff edits drop ----------------------------------------
# What is cached for everyone (the map, a petition's page) carries a version in its keys;
# bumping the version after a change makes every old entry unreachable at once (they expire
# on their own). With Redis down, version() answers "uncached": every read misses and the
# pages come from the database.


@cache
def release() -> str:
    """A digest of the code and templates this process runs, read once.

    Every version's key carries it, so a deploy that changes how a page is rendered starts
    every cached part afresh, with nothing for staff to flush; processes of the old and
    the new code, side by side during a rolling deploy, never read each other's entries.
    """
    digest = hashlib.blake2b(digest_size=8)
    root = Path(settings.BASE_DIR)
    for path in sorted(path for top in _RENDERING_DIRS for path in (root / top).rglob("*")):
        if path.suffix in _RENDERING_SUFFIXES and path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# What decides how a cached part looks: the apps' code, the templates, the translations.
_RENDERING_DIRS = ("allout", "events", "petitions", "partners", "api", "templates", "locale")
_RENDERING_SUFFIXES = frozenset({".py", ".html", ".txt", ".po"})


def version_key(name: str) -> str:
    return f"version:{release()}:{name}"


def version(name: str) -> str:
    """The current version of what is cached under `name`; bump(name) replaces it."""
    key = version_key(name)
    current = default_cache.get(key)
    if current is None:
        # add(): when two requests race here, both end up reading the winner's version.
        default_cache.add(key, uuid.uuid4().hex, timeout=None)
        current = default_cache.get(key) or "uncached"
    _record(name, current)
    return current


def _record(name: str, current: str) -> None:
    used = _recorded.get()
    if used is not None:
        used[name] = current


_recorded: ContextVar[dict[str, str] | None] = ContextVar("allout_versions_used", default=None)


@contextmanager
def recording() -> Iterator[dict[str, str]]:
    """The versions read inside the block, by name (what a cached page was rendered under:
    allout.pages)."""
    used: dict[str, str] = {}
    token = _recorded.set(used)
    try:
        yield used
    finally:
        _recorded.reset(token)


@dataclass(frozen=True)
class _Versioned:
    version: str
    value: Any


def versioned(name: str, key: str, compute: Callable[[], T], *, timeout: int) -> T:
    """`compute()`'s value, kept under `key` for `timeout` s while `name` keeps its version.

    The value and `name`'s current version come back in one round trip (where a key that
    carried the version would take two, the version first); the value kept remembers the
    version it was computed under, read before computing, so a bump in between is never
    hidden. None is not kept: a made-up slug cannot fill the cache.
    """
    found = default_cache.get_many([version_key(name), key])
    current = found.get(version_key(name))
    if current is None:
        current = version(name)
    else:
        _record(name, current)
    held = found.get(key)
    if isinstance(held, _Versioned) and held.version == current:
        return cast("T", held.value)
    value = compute()
    if value is not None and current != "uncached":
        default_cache.set(key, _Versioned(current, value), timeout)
    return value


def bump(name: str) -> None:
    """Give `name` a new version: what was cached under the old one is never read again."""
    default_cache.set(version_key(name), uuid.uuid4().hex, timeout=None)


def bump_on_commit(name: str) -> None:
    """Bump `name` once the current transaction commits (at once outside one).

    Not before: a request in between would cache the old rows under the new version and
    keep them.
    """
    transaction.on_commit(lambda: bump(name))


# --- Process memos: what every request asks and staff change a few times a year -----------
# Whether anything is blocked, the high-risk countries: asked by every signature and RSVP,
# one Redis round trip each. A memo keeps the answer in the process for LOCAL_SECONDS, so a
# staff change reaches the other processes (gunicorn workers, the Celery workers) within
# that long; the process that made the change forgets at once (the models' signals call
# `forget()`), and so do tests (tests/conftest.py calls forget_locals()).

LOCAL_SECONDS = 5.0


class Local(Generic[T]):
    """`compute()`'s answer, kept in this process for `seconds`."""

    def __init__(self, compute: Callable[[], T], seconds: float) -> None:
        self._compute = compute
        self._seconds = seconds
        # (expires at, value) in one tuple: threads read a consistent pair without a lock.
        self._held: tuple[float, T] | None = None

    def __call__(self) -> T:
        held, now = self._held, time.monotonic()
        if held is not None and held[0] > now:
            return held[1]
        value = self._compute()
        self._held = (now + self._seconds, value)
        return value

    def forget(self) -> None:
        """The next call computes again."""
        self._held = None


_locals: list[Local] = []


def local(seconds: float = LOCAL_SECONDS) -> Callable[[Callable[[], T]], Local[T]]:
    """Decorate a function of no arguments: its answer is kept for `seconds` (see above)."""

    def decorator(compute: Callable[[], T]) -> Local[T]:
        memo = Local(compute, seconds)
        _locals.append(memo)
        return memo

    return decorator


def forget_locals() -> None:
    """Forget every process memo (tests, between one and the next)."""
    for memo in _locals:
        memo.forget()
