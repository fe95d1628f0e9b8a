"""The data page's promises that belong to no app (issue 10, section 7)."""

import datetime
import hashlib

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.translation import override

from allout import privacy
from allout.cache import redis_client
from allout.tasks import clear_expired_sessions
from tests.conftest import make_user


def test_the_data_page_is_translated(client, db):
    make_user("reader@example.org")
    path = privacy.data_request_url("reader@example.org").removeprefix("http://127.0.0.1:8000")
    with override("en"):
        english = client.get(path).content.decode()
    assert "Your account" in english and "Joined" in english
    for provider in privacy.providers():
        # Lazy labels and titles: read in the language of each request, not at start-up.
        assert not isinstance(provider.title, str) or provider.name == provider.title
        assert all(not isinstance(label, str) for label in provider.labels.values())


def test_no_redis_key_holds_a_plain_hash_of_an_email_address(client, db):
    make_user("target@example.org")
    for _ in range(3):
        client.post("/accounts/password/reset/", {"email": "target@example.org"})
        client.post("/accounts/login/", {"login": "target@example.org", "password": "wrong"})
    address = "target@example.org"
    plain = {hashlib.sha256(spelling.encode()).hexdigest() for spelling in (address,)}
    keys = [key.decode() for key in redis_client().keys("*")]
    assert any("allauth" in key for key in keys)  # the limits were counted
    assert not [key for key in keys if any(digest in key for digest in plain)]


def test_allauths_address_limits_still_count_per_address(rf, db):
    from allauth.core.internal.ratelimit import Rate, get_cache_key

    request = rf.post("/")
    rate = Rate(amount=1, duration=60, per="key")
    first = get_cache_key(request, app="a", action="b", rate=rate, key="x@example.org")
    again = get_cache_key(request, app="a", action="b", rate=rate, key="x@example.org")
    other = get_cache_key(request, app="a", action="b", rate=rate, key="y@example.org")
    assert first == again != other
    assert hashlib.sha256(b"x@example.org").hexdigest() not in first


def test_expired_sessions_are_cleared_by_a_daily_beat_task(db):
    live, expired = SessionStore(), SessionStore()
    live.create()
    expired.set_expiry(timezone.now() - datetime.timedelta(days=1))
    expired.create()
    clear_expired_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    entry = schedule["allout.tasks.clear_expired_sessions"]
    assert entry["schedule"].hour == {3}  # a crontab: once a day
