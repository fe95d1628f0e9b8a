"""The event page and the finder from the cache: shared parts, per-visitor parts, edits that
show at once, and pages that answer without Redis."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allout import risk
from tests.events.factories import make_event


def get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_event_page_takes_one_query_then_none(
    client, campaign, organizer, django_assert_num_queries
):
    event = make_event(campaign=campaign, organizer=organizer)
    risk.high_risk_countries()  # read once and kept (allout.risk), as every process does
    with django_assert_num_queries(1):  # the event; its fragments are cached now
        get(client, event.get_absolute_url())
    with django_assert_num_queries(0):  # the whole page, for a visitor with no session
        get(client, event.get_absolute_url())


def test_an_edit_of_the_event_shows_at_once(
    client, campaign, organizer, django_capture_on_commit_callbacks
):
    event = make_event(campaign=campaign, organizer=organizer, description="The first words.")
    assert "The first words." in get(client, event.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        event.description = "**Other words** now."
        event.meeting_point = "The north gate"
        event.save()
    html = get(client, event.get_absolute_url())
    assert "<strong>Other words</strong> now." in html and "The north gate" in html


def test_visitors_get_their_own_csrf_token_on_the_cached_event_page(campaign, organizer):
    event = make_event(campaign=campaign, organizer=organizer)
    pages = [get(Client(), event.get_absolute_url()) for _ in range(2)]
    tokens = {re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1] for html in pages}
    assert len(tokens) == 2
    assert all('name="first_name"' in html and 'name="reason"' in html for html in pages)


def test_the_finder_list_takes_no_query_once_cached(client, campaign, django_assert_num_queries):
    make_event(campaign=campaign, slug="london-vigil", city="London")
    # The campaign, then the list's count and page (and the place search, which is offline).
    with django_assert_num_queries(3):
        get(client, "/events/?q=London")
    with django_assert_num_queries(0):
        assert "london-vigil" in get(client, "/events/?q=London")


def test_a_new_event_shows_in_the_cached_list_at_once(
    client, campaign, django_capture_on_commit_callbacks
):
    make_event(campaign=campaign, slug="first-vigil")
    assert "first-vigil" in get(client, "/events/")
    with django_capture_on_commit_callbacks(execute=True):
        make_event(campaign=campaign, slug="second-vigil")
    assert "second-vigil" in get(client, "/events/")


def test_a_search_from_a_point_or_with_other_parameters_is_not_cached(
    client, campaign, django_assert_num_queries
):
    make_event(campaign=campaign)
    for url in ["/events/?lat=51.5&lng=-0.12", "/events/?q=London&utm_source=mail"]:
        get(client, url)
        with django_assert_num_queries(3):
            get(client, url)


def test_only_searches_people_repeat_are_kept(client, campaign, django_assert_num_queries):
    """Made-up searches cannot fill the cache: a place by its own name or its label, a near
    page and a near day are kept; a made-up place, another spelling, a far page or day, a
    repeated parameter are answered each time and kept nowhere."""
    make_event(campaign=campaign, city="London")
    kept = [
        "/events/?q=London",
        "/events/?q=London, United Kingdom",
        "/events/?page=2",
        "/events/?q=London&date=all&kind=&radius=",  # as the form sends it
        "/events/?q=London&radius=50",
        f"/events/?date={timezone.localdate() + timedelta(days=7)}",
    ]
    for url in kept:
        get(client, url)
        with django_assert_num_queries(0):
            get(client, url)
    for url in [
        "/events/?q=Nowhereville",
        "/events/?q=lOnDoN",
        "/events/?page=999",
        "/events/?page=x",
        "/events/?page=02",  # another spelling of a page kept
        "/events/?page=²",  # a digit int() refuses: answered, not a 500
        "/events/?radius=37",  # not a step the form offers
        "/events/?radius=\uff15\uff10",  # full-width digits
        "/events/?date=2400-01-01",
        f"/events/?date={timezone.localdate() + timedelta(days=7):%Y%m%d}",  # another spelling
        "/events/?q=London&q=Paris",
    ]:
        get(client, url)
        with CaptureQueriesContext(connection) as queries:
            get(client, url)
        assert queries.captured_queries, f"{url} was kept"  # rendered: the list's queries


def test_the_event_pages_answer_from_the_database_with_redis_down(
    client, campaign, organizer, settings
):
    event = make_event(campaign=campaign, organizer=organizer, description="Bring *candles*.")
    settings.CACHES = {
        "default": {
            "BACKEND": "allout.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens: refused at once
        }
    }
    assert "<em>candles</em>" in get(client, event.get_absolute_url())
    assert event.slug in get(client, "/events/")
