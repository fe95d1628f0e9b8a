"""How the read API is served: CORS for any origin on the read endpoints alone, brief
caching (the caller's and ours), a rate limit per source, JSON errors."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache

from allout.cache import redis_client
from events.models import Event
from tests.events.factories import make_event

pytestmark = pytest.mark.django_db

READ_PATHS = [
    "/api/v1/",
    "/api/v1/events/",
    "/api/v1/events/some-event/",
    "/api/v1/petitions/",
    "/api/v1/petitions/some-petition/",
    "/api/v1/campaigns/",
    "/api/v1/campaigns/some-day/",
    "/api/v1/schema/",
]


@pytest.mark.parametrize("path", READ_PATHS)
def test_any_origin_may_read_the_read_endpoints_without_credentials(client, path):
    response = client.get(path, headers={"origin": "https://partner.example"})
    assert response.status_code in (200, 404)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_allows_get_only(client):
    response = client.options(
        "/api/v1/events/",
        headers={"origin": "https://partner.example", "access-control-request-method": "GET"},
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize(
    "path",
    [
        "/events/",
        "/events/nearby.json",
        "/api/v1/docs/",
        # The partners' keyed pull (another app) must never be readable from a browser.
        "/api/v1/petitions/safe-passage/signatures/",
        "/api/v1/events/some-event/attendances/",
    ],
)
def test_no_other_address_gets_cors_from_the_api_settings(path):
    assert not re.match(settings.CORS_URLS_REGEX, path)


def test_answers_are_cached_briefly_here_and_by_the_caller(
    client, campaign, django_assert_num_queries, django_capture_on_commit_callbacks
):
    event = make_event(campaign=campaign, title="Before")
    response = client.get("/api/v1/events/", {"country": "GB"})
    assert "max-age=60" in response["Cache-Control"] and "public" in response["Cache-Control"]
    with django_assert_num_queries(0):  # from our cache
        again = client.get("/api/v1/events/", {"country": "GB", "unknown": "ignored"})
    assert again.content == response.content
    # A saved event drops it (the map's version, bumped on commit).
    with django_capture_on_commit_callbacks(execute=True):
        event.title = "After"
        event.save()
    assert b"After" in client.get("/api/v1/events/", {"country": "GB"}).content


@pytest.mark.parametrize(
    "query",
    [{"near": "51.5,-0.12"}, {"near": "51.5,-0.12", "radius": "30"}, {"date": "2099-03-16"},
     {"from": "2099-03-01", "to": "2099-03-31"}],
)  # fmt: skip
def test_a_point_or_a_day_is_answered_without_filling_the_cache(client, campaign, query):
    """Their values are without end: stored, anyone could fill the cache that the rate
    limit and the outbox share (hostile review)."""
    make_event(campaign=campaign)
    cache.clear()
    assert client.get("/api/v1/events/", query).status_code == 200
    assert not [key for key in redis_client().keys("*") if b"api:v1" in key]


def test_a_list_costs_two_queries(client, campaign, django_assert_num_queries):
    for number in range(5):
        make_event(campaign=campaign, slug=f"listed-{number}")
    with django_assert_num_queries(2):  # the count, then the page with its campaigns
        response = client.get("/api/v1/events/")
    assert response.json()["total_records"] == 5


def test_a_source_over_the_limit_gets_a_429_in_json(client, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    for _ in range(3):
        assert client.get("/api/v1/campaigns/").status_code == 200
    refused = client.get("/api/v1/events/", headers={"origin": "https://partner.example"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Too many requests" in refused.json()["error"]
    assert refused["Access-Control-Allow-Origin"] == "*"  # so the partner's script can read it
    other = client.get("/api/v1/campaigns/", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_other_methods_get_a_405_in_json(client):
    response = client.post("/api/v1/events/", {})
    assert response.status_code == 405
    assert "error" in response.json()


def test_a_slug_that_no_slug_could_be_is_a_404_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/api/v1/events/%00%20/")
    assert response.status_code == 404 and response.json() == {"error": "Nothing at this address."}


def test_an_event_of_a_campaign_lists_under_its_link(client, campaign):
    make_event(campaign=campaign, slug="linked", status=Event.Status.APPROVED)
    body = client.get(f"/api/v1/campaigns/{campaign.slug}/").json()
    events_link = body["_links"]["osdi:events"]["href"]
    listed = client.get(events_link.removeprefix(settings.SITE_URL)).json()
    assert [item["identifiers"] for item in listed["_embedded"]["osdi:events"]] == [
        ["allout:linked"]
    ]
