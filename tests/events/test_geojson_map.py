"""/events/map.geojson: every public event, compact, cached until an event changes, gzipped."""

from __future__ import annotations

import datetime
import gzip
import json

import pytest
from django.utils import timezone

from events.finder import mapdata
from events.models import Event
from tests.events.factories import make_event

URL = "/events/map.geojson"


def features(client) -> list[dict]:
    response = client.get(URL)
    assert response.status_code == 200
    return json.loads(response.content)["features"]


def test_the_map_is_a_feature_collection_of_public_points_with_popup_properties(client, db):
    starts = datetime.datetime(2099, 3, 16, 11, 0, tzinfo=datetime.UTC)
    make_event(
        slug="paris", title="Paris rally", city="Paris", country="FR", kind="embassy",
        lat=48.856613, lng=2.352222, starts_at=starts,
    )  # fmt: skip
    response = client.get(URL)
    assert response["Content-Type"] == "application/geo+json"
    document = json.loads(response.content)
    assert document["type"] == "FeatureCollection"
    (feature,) = document["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.35222, 48.85661]}
    assert feature["properties"] == {
        "u": "/events/paris/",
        "t": "Paris rally",
        "c": "Paris",
        "k": "embassy",
        "d": "2099-03-16T12:00+01:00",
    }


def test_hidden_exact_points_never_reach_the_map(client, db):
    event = make_event(slug="hidden", lat=55.7558, lng=37.6173, hide_exact_location=True)
    body = client.get(URL).content.decode()
    # Never the exact pair (one coordinate may match when the offset ran due north or east).
    assert not ("55.7558" in body and "37.6173" in body)
    (feature,) = json.loads(body)["features"]
    public = event.approximate_point
    assert feature["geometry"]["coordinates"] == [round(public.x, 5), round(public.y, 5)]


@pytest.mark.parametrize(
    "status", [Event.Status.PENDING, Event.Status.REJECTED, Event.Status.CANCELLED]
)
def test_events_that_are_not_approved_are_not_on_the_map(client, db, status):
    make_event(slug="not-public", status=status)
    assert features(client) == []


def test_events_that_have_ended_are_not_on_the_map(client, db):
    ended = timezone.now() - datetime.timedelta(minutes=1)
    make_event(slug="over", starts_at=ended - datetime.timedelta(hours=2), ends_at=ended)
    assert features(client) == []


def test_the_map_is_served_from_the_cache_without_a_query(client, db, django_assert_num_queries):
    make_event(slug="a")
    with django_assert_num_queries(1):
        client.get(URL)
    with django_assert_num_queries(0):
        assert len(features(client)) == 1


def test_saving_or_deleting_an_event_drops_the_cached_map(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(slug="a", title="Before")
    assert [f["properties"]["t"] for f in features(client)] == ["Before"]

    with django_capture_on_commit_callbacks(execute=True):
        event.title = "After"
        event.save()
    assert [f["properties"]["t"] for f in features(client)] == ["After"]

    with django_capture_on_commit_callbacks(execute=True):
        event.status = Event.Status.CANCELLED
        event.save()
    assert features(client) == []

    with django_capture_on_commit_callbacks(execute=True):
        make_event(slug="b").delete()
    assert features(client) == []


def test_the_cache_is_dropped_only_once_the_change_commits(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_event(slug="a")  # and its campaign, whose save drops the petition pages' cache
    assert callbacks.count(mapdata.forget) == 1


def test_a_pending_event_registered_or_edited_leaves_the_public_caches_alone(
    db, django_capture_on_commit_callbacks
):
    # Someone polling the map must not learn from a slower answer that an event was just
    # registered (a hidden point, say), nor edited while it waits for moderation.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = make_event(slug="waiting", status=Event.Status.PENDING)
        event.title = "Still waiting"
        event.save()
        Event.objects.get(pk=event.pk).save()  # as read again by the organizer's form
    assert callbacks.count(mapdata.forget) == 0

    cases = [  # each a change the public pages show
        ("approved", lambda e: setattr(e, "status", Event.Status.APPROVED)),
        ("edited while approved", lambda e: setattr(e, "title", "On the square")),
        ("cancelled", lambda e: setattr(e, "status", Event.Status.CANCELLED)),
    ]
    for label, change in cases:
        event = Event.objects.get(pk=event.pk)
        change(event)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            event.save()
        assert callbacks.count(mapdata.forget) == 1, label
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Event.objects.get(pk=event.pk).save()  # cancelled, read as cancelled: not public
        Event.objects.only("pk").get(pk=event.pk).delete()  # its status not read: assumed
    assert callbacks.count(mapdata.forget) == 1


def test_the_cached_map_expires_when_its_first_event_ends(db):
    soon = timezone.now() + datetime.timedelta(seconds=90)
    make_event(slug="soon", starts_at=soon - datetime.timedelta(hours=1), ends_at=soon)
    _, expires_in = mapdata.build()
    assert 80 <= expires_in <= 90
    _, expires_in = mapdata.build(now=soon + datetime.timedelta(hours=1))
    assert expires_in == mapdata.MAX_AGE_SECONDS


def test_the_map_is_gzipped_for_clients_that_accept_it(client, db):
    make_event(slug="a")
    plain = client.get(URL)
    zipped = client.get(URL, HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert not plain.has_header("Content-Encoding")
    for response in (plain, zipped):
        assert "Accept-Encoding" in response["Vary"]
        assert response["ETag"] == plain["ETag"]


@pytest.mark.parametrize(
    ("header", "gzipped"),
    [
        ("gzip", True),
        ("GZIP", True),
        ("deflate, gzip;q=1.0, *;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("identity", False),
        ("br", False),
        ("", False),
        ("gzip;q=abc", False),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_says(header, gzipped):
    from events.views.finder import accepts_gzip

    assert accepts_gzip(header) is gzipped


def test_an_unchanged_map_answers_304_to_its_etag(client, db):
    make_event(slug="a")
    etag = client.get(URL)["ETag"]
    response = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_the_same_events_give_the_same_bytes(client, db):
    make_event(slug="a")
    make_event(slug="b")
    first = client.get(URL, HTTP_ACCEPT_ENCODING="gzip")
    mapdata.forget()
    second = client.get(URL, HTTP_ACCEPT_ENCODING="gzip")
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
