import redis
from django.core.cache import cache
from django.test import RequestFactory

from allout.ratelimit import client_key, is_limited


def test_a_client_is_limited_after_the_allowed_number_of_hits(db):
    results = [is_limited("test", "key", limit=3, period=60) for _ in range(5)]
    assert results == [False, False, False, True, True]


def test_limits_key_on_a_keyed_hash_never_the_address(db):
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    key = client_key(request)
    assert "203.0.113.7" not in key and len(key) == 32
    is_limited("form", key, limit=1, period=60)
    stored = [k.decode() for k in cache._cache.get_client().keys("*")]
    assert stored and not any("203.0.113" in k for k in stored)


def test_a_cache_that_is_down_does_not_block_anyone(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "allout.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    from django.core.cache import caches

    caches._settings = None  # rebuild the handler with the overridden settings
    try:
        assert is_limited("test", "key", limit=0, period=60) is False
    finally:
        caches._settings = None


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
    client = cache._cache.get_client()
    key = cache.make_and_validate_key("rl:window:key")
    client.expire(key, 10)  # as if the window were nearly over
    is_limited("window", "key", limit=5, period=60)
    assert 0 < client.ttl(key) <= 10
