import socket
import time

import redis
from django.test import RequestFactory

from allout.cache import redis_client
from allout.ratelimit import client_key, is_limited


def test_a_client_is_limited_after_the_allowed_number_of_hits(db):
    results = [is_limited("test", "key", limit=3, period=60) for _ in range(5)]
    assert results == [False, False, False, True, True]


def test_limits_key_on_a_keyed_hash_never_the_address(db):
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    key = client_key(request)
    assert "203.0.113.7" not in key and len(key) == 32
    is_limited("form", key, limit=1, period=60)
    stored = [k.decode() for k in redis_client().keys("*")]
    assert stored and not any("203.0.113" in k for k in stored)


def test_a_redis_that_is_down_does_not_block_anyone(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert is_limited("test", "key", limit=0, period=60) is False


def test_a_redis_that_never_answers_delays_a_request_by_one_timeout_at_most(settings):
    # A black hole: the kernel accepts the connection and nothing ever comes back.
    listener = socket.create_server(("127.0.0.1", 0))
    settings.REDIS_URL = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    settings.REDIS_TIMEOUT = 1
    try:
        started = time.monotonic()
        assert is_limited("test", "key", limit=0, period=60) is False
        assert time.monotonic() - started < 2
    finally:
        listener.close()


def test_behind_a_proxy_a_client_cannot_pick_its_own_address_with_a_forged_header(settings):
    # The proxy appends the address it saw; whatever the client sent comes before it.
    settings.TRUST_X_FORWARDED_FOR = True
    keys = {
        client_key(
            RequestFactory().post(
                "/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7", REMOTE_ADDR="10.0.0.2"
            )
        )
        for n in range(5)
    }
    assert keys == {client_key(RequestFactory().post("/", REMOTE_ADDR="203.0.113.7"))}


def test_counting_a_hit_takes_one_round_trip_to_redis(monkeypatch):
    # The sign view counts a hit on every POST on the day of action: each round trip shows.
    is_limited("trips", "key", limit=5, period=60)  # the connection is open from here on
    sent = []
    original = redis.connection.Connection.send_packed_command

    def send(self, command, *args, **kwargs):
        sent.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", send)
    assert is_limited("trips", "key", limit=5, period=60) is False
    assert len(sent) == 1


def test_a_window_starts_at_its_first_hit_and_later_hits_do_not_extend_it():
    is_limited("window", "key", limit=5, period=60)
    client = redis_client()
    (key,) = client.keys("*window*")
    client.expire(key, 10)  # as if the window were nearly over
    is_limited("window", "key", limit=5, period=60)
    assert 0 < client.ttl(key) <= 10


def test_ipv4_clients_seen_through_an_ipv6_socket_keep_a_limit_each():
    # A server listening on [::] sees IPv4 clients as ::ffff:a.b.c.d: one IPv4 address each,
    # not one /64 that every IPv4 client in the world shares.
    def key(address: str) -> str:
        return client_key(RequestFactory().post("/", REMOTE_ADDR=address))

    assert key("::ffff:198.51.100.1") != key("::ffff:198.51.100.2")
    assert key("::ffff:198.51.100.1") == key("198.51.100.1")
