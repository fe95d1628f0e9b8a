"""A Redis cache that degrades to "no cache" while Redis is down.

The cache holds rate-limit counters, cached pages and allauth's locks. None of that is
worth a 500: when Redis does not answer, reads miss, writes are dropped, `add` succeeds
(so a lock is taken) and the request goes on.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _failsafe(fallback):
    def decorator(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except DOWN:
                log.warning("Cache unavailable during %s", method.__name__, exc_info=True)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorator


class ResilientRedisCache(RedisCache):
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
