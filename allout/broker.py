"""The Celery broker's transport: kombu's Redis transport, with one Redis client per channel.

kombu's Redis channel builds a new redis.Redis, with its ~170 response callbacks, for every
message it publishes and every acknowledgement (`Channel.conn_or_acquire()`): a quarter of
the relay's CPU for each email it hands to the workers. redis.Redis is thread-safe and
draws its connections from the channel's pool, so one client per pool serves them all, as
allout.cache does for the cache. Named in settings (CELERY_BROKER_TRANSPORT).
"""

from __future__ import annotations

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _client_of_pool: tuple[redis.ConnectionPool, redis.Redis] | None = None

    def _create_client(self, asynchronous: bool = False) -> redis.Redis:
        if asynchronous:  # the consumer's, built once per channel by kombu already
            return super()._create_client(asynchronous=True)
        pool = self.pool
        if self._client_of_pool is None or self._client_of_pool[0] is not pool:
            self._client_of_pool = (pool, super()._create_client())
        return self._client_of_pool[1]


class Transport(kombu_redis.Transport):
    Channel = Channel
