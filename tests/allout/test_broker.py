"""The broker's transport (allout.broker): kombu's Redis transport, one Redis client a channel."""

from __future__ import annotations

from allout.celery import app


def test_every_publish_and_ack_on_a_channel_shares_one_redis_client() -> None:
    # kombu's own channel builds a redis.Redis (~170 response callbacks) for each message.
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
            assert first.ping()
