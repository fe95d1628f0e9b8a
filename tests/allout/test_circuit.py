"""The Redis circuit breaker (allout.circuit), alone with a fake clock, and in front of the
cache, the rate limiter's client (against a black-holed Redis) and the outbox publisher."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.test import override_settings

from allout import circuit, mail
from allout.cache import DOWN, ResilientRedisCache, _client
from allout.circuit import Breaker, CircuitOpen, breaker_for, server
from allout.models import OutboxEmail
from allout.ratelimit import is_limited


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _fail(breaker: Breaker) -> None:
    with pytest.raises(ConnectionError), breaker.guard((ConnectionError,)):
        raise ConnectionError("timed out")


def test_a_new_breaker_lets_every_call_through():
    breaker = Breaker("redis://r:6379", seconds=5, clock=Clock())
    assert all(breaker.allow() for _ in range(3))
    assert not breaker.is_open


def test_a_failure_opens_the_breaker_and_calls_fail_fast_while_it_is_open():
    clock = Clock()
    breaker = Breaker("redis://r:6379", seconds=5, clock=clock)
    _fail(breaker)
    assert breaker.is_open
    clock.now += 4.9
    ran = []
    with pytest.raises(CircuitOpen), breaker.guard((ConnectionError,)):
        ran.append(True)
    assert ran == []  # the block never ran: nothing touched the network


def test_once_the_period_is_over_exactly_one_trial_call_goes_through():
    clock = Clock()
    breaker = Breaker("redis://r:6379", seconds=5, clock=clock)
    _fail(breaker)
    clock.now += 5
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # everyone else waits for it
    assert not breaker.allow()


def test_a_trial_that_answers_closes_the_breaker():
    clock = Clock()
    breaker = Breaker("redis://r:6379", seconds=5, clock=clock)
    _fail(breaker)
    clock.now += 5
    with breaker.guard((ConnectionError,)):
        pass
    assert not breaker.is_open
    assert all(breaker.allow() for _ in range(3))


def test_a_trial_that_fails_opens_the_breaker_for_another_period():
    clock = Clock()
    breaker = Breaker("redis://r:6379", seconds=5, clock=clock)
    _fail(breaker)
    clock.now += 5
    _fail(breaker)
    clock.now += 4.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow()


def test_a_trial_that_never_reports_back_does_not_keep_the_breaker_shut():
    clock = Clock()
    breaker = Breaker("redis://r:6379", seconds=5, clock=clock)
    _fail(breaker)
    clock.now += 5
    assert breaker.allow()  # a trial whose caller died before saying how it went
    clock.now += 5
    assert breaker.allow()


def test_an_error_redis_answered_with_counts_as_redis_being_up():
    clock = Clock()
    breaker = Breaker("redis://r:6379", seconds=5, clock=clock)
    _fail(breaker)
    clock.now += 5
    with pytest.raises(ValueError), breaker.guard((ConnectionError,)):
        raise ValueError("WRONGTYPE")
    assert not breaker.is_open


def test_one_breaker_serves_every_database_of_a_server():
    assert server("redis://:secret@cache.internal:6380/3") == "redis://cache.internal:6380"
    assert breaker_for("redis://127.0.0.1:6379/1") is breaker_for("redis://127.0.0.1:6379/7")
    assert breaker_for("redis://127.0.0.1:6379/1") is not breaker_for("redis://127.0.0.1:6380/1")


@override_settings(REDIS_BREAKER_SECONDS=0)
def test_a_period_of_zero_tries_every_call():
    breaker = breaker_for("redis://127.0.0.1:6379/0")
    _fail(breaker)
    assert breaker.allow()


# --- Against a black-holed Redis (each call would wait its 1 s timeout) --------------------
def _timed(call) -> tuple[object, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_the_cache_waits_once_for_a_hung_redis_then_misses_at_once(black_hole):
    hung = ResilientRedisCache(
        black_hole, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    value, first = _timed(lambda: hung.get("page", "missed"))
    assert value == "missed"
    assert 0.5 < first < 2
    _, rest = _timed(
        lambda: [
            hung.get("page"),
            hung.set("page", "body"),
            hung.add("lock", 1),
            hung.get_many(["a", "b"]),
            hung.incr("hits") if hung.has_key("hits") else None,
            hung.delete("page"),
        ]
    )
    assert rest < 0.2, f"the cache waited {rest:.2f} s more for a Redis that just timed out"
    assert hung.add("lock", 1) is True  # a lock is still taken, as when Redis is down
    assert hung.get_many(["a"]) == {}


def test_the_rate_limiter_fails_open_at_once_after_one_timeout(black_hole):
    with override_settings(REDIS_URL=black_hole, RATELIMIT_ENABLED=True):
        limited, first = _timed(lambda: is_limited("sign", "k", limit=1, period=60))
        assert not limited and first < 2
        _, rest = _timed(lambda: [is_limited("sign", "k", limit=1, period=60) for _ in range(5)])
    assert rest < 0.2, f"five rate-limit checks waited {rest:.2f} s for a hung Redis"


def test_the_plain_client_fails_fast_while_open_and_tries_again_once_closed(black_hole):
    client = _client(black_hole, 1)
    with pytest.raises(DOWN):
        client.set("k", 1)
    started = time.monotonic()
    with pytest.raises(CircuitOpen):
        client.pipeline().incr("k").execute()
    with pytest.raises(CircuitOpen):
        client.get("k")
    assert time.monotonic() - started < 0.1
    breaker_for(black_hole).succeeded()  # as after a trial that answered
    with pytest.raises(DOWN) as error:
        client.get("k")
    assert not isinstance(error.value, CircuitOpen)  # it went to the network again


@pytest.mark.django_db(transaction=True)  # so the publish runs on commit
def test_with_the_broker_breaker_open_a_queued_email_is_left_for_the_sweeper():
    published = []

    def record(sender=None, **kwargs):
        published.append(sender)

    before_task_publish.connect(record, weak=False)
    try:
        breaker_for(settings.CELERY_BROKER_URL).failed()  # as after a publish that timed out
        row, elapsed = _timed(lambda: mail.queue("test_message", "later@example.org", {}))
        assert published == []  # not even tried: the sweeper will publish it
        assert elapsed < 0.5
        assert OutboxEmail.objects.get(pk=row.pk).sent_at is None

        circuit.reset()  # Redis is back
        assert mail.requeue_unsent(older_than=timedelta(0)) == 1
        assert published == ["allout.mail.send_outbox_email"]
    finally:
        before_task_publish.disconnect(record)
