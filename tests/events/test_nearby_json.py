"""/events/nearby.json: nearest first, from public points only, 400s naming the parameter."""

from __future__ import annotations

import datetime
import itertools
import math

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import geo
from events.models import Event
from tests.events.factories import make_event

URL = "/events/nearby.json"


def great_circle_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine on PostGIS's sphere (the mean Earth radius), computed independently of it."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * geo.EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h))) / 1000


def nearby(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_results_are_nearest_first_with_every_field(client, db):
    make_event(title="Far", slug="far", lat=51.60, lng=-0.10)
    make_event(title="Near", slug="near", lat=51.51, lng=-0.13, city="London", kind="embassy")
    body = nearby(client, lat=51.5074, lng=-0.1278)
    assert body["count"] == 2
    near = body["results"][0]
    assert [r["slug"] for r in body["results"]] == ["near", "far"]
    assert near == {
        "slug": "near",
        "title": "Near",
        "city": "London",
        "country": "GB",
        "kind": "embassy",
        "starts_at": near["starts_at"],
        "distance_km": pytest.approx(great_circle_km(51.5074, -0.1278, 51.51, -0.13), abs=0.01),
        "lat": 51.51,
        "lng": -0.13,
        "url": "http://testserver/events/near/",
    }


def test_start_times_carry_the_events_own_utc_offset(client, db):
    starts = datetime.datetime(2099, 3, 16, 11, 0, tzinfo=datetime.UTC)  # 12:00 in Paris
    make_event(slug="paris", lat=48.8566, lng=2.3522, starts_at=starts)
    (result,) = nearby(client, lat=48.85, lng=2.35)["results"]
    assert result["starts_at"] == "2099-03-16T12:00:00+01:00"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    origin=st.tuples(st.floats(-89.9, 89.9), st.floats(-180, 180)),
    offsets=st.lists(st.tuples(st.floats(0, 900_000), st.floats(0, 360)), min_size=1, max_size=15),
    radius=st.floats(1, 500),
    limit=st.integers(1, 20),
)
def test_order_and_radius_agree_with_brute_force_great_circle_distances(
    client, db, origin, offsets, radius, limit
):
    lat, lng = origin
    with transaction.atomic():
        points = [
            geo.offset_point(geo.Point(lng, lat, srid=4326), distance_m=d, bearing_deg=b)
            for d, b in offsets
        ]
        for number, point in enumerate(points):
            make_event(slug=f"e{number}", lat=point.y, lng=point.x)
        body = nearby(client, lat=lat, lng=lng, radius=radius, limit=limit)
        transaction.set_rollback(True)

    distances = {f"e{n}": great_circle_km(lat, lng, p.y, p.x) for n, p in enumerate(points)}
    returned = [r["slug"] for r in body["results"]]
    found = [distances[slug] for slug in returned]
    tolerance = 0.001  # a metre: float noise between PostGIS and this brute force
    assert len(returned) <= limit
    assert all(d <= radius + tolerance for d in found)
    assert all(a <= b + tolerance for a, b in itertools.pairwise(found))
    # Nothing nearer was left out: any event missing from a full answer is no nearer.
    for slug, d in distances.items():
        if slug not in returned and d < radius - tolerance:
            assert len(returned) == limit and d >= found[-1] - tolerance
    for result in body["results"]:
        assert result["distance_km"] == pytest.approx(distances[result["slug"]], abs=0.006)


def test_events_across_the_antimeridian_are_near_each_other(client, db):
    make_event(slug="fiji-east", lat=-17.0, lng=-179.9)
    make_event(slug="far-west", lat=-17.0, lng=170.0)
    body = nearby(client, lat=-17.0, lng=179.9, radius=50)
    assert [r["slug"] for r in body["results"]] == ["fiji-east"]
    assert body["results"][0]["distance_km"] == pytest.approx(21.3, abs=0.1)


def test_points_near_a_pole_are_near_whatever_their_longitude(client, db):
    make_event(slug="across-the-pole", lat=89.9, lng=0.0)
    make_event(slug="same-meridian-far", lat=89.0, lng=180.0)
    body = nearby(client, lat=89.9, lng=180.0, radius=50)
    assert [r["slug"] for r in body["results"]] == ["across-the-pole"]
    assert body["results"][0]["distance_km"] == pytest.approx(22.2, abs=0.1)


def test_the_radius_keeps_an_event_just_inside_and_drops_one_just_outside(client, db):
    origin = geo.Point(13.4, 52.5, srid=4326)
    for slug, metres in [("inside", 49_950), ("outside", 50_050)]:
        point = geo.offset_point(origin, distance_m=metres, bearing_deg=90)
        make_event(slug=slug, lat=point.y, lng=point.x)
    assert [r["slug"] for r in nearby(client, lat=52.5, lng=13.4)["results"]] == ["inside"]
    assert nearby(client, lat=52.5, lng=13.4, radius=50.1)["count"] == 2


def test_limit_caps_the_results(client, db):
    for number in range(5):
        make_event(slug=f"e{number}", lat=52.5 + number / 100, lng=13.4)
    assert [r["slug"] for r in nearby(client, lat=52.5, lng=13.4, limit=3)["results"]] == [
        "e0",
        "e1",
        "e2",
    ]


def test_hidden_exact_points_never_leave_the_server(client, db):
    event = make_event(slug="hidden", lat=55.7558, lng=37.6173, hide_exact_location=True)
    (result,) = nearby(client, lat=55.75, lng=37.61)["results"]
    public = event.approximate_point
    assert (result["lat"], result["lng"]) == (round(public.y, 5), round(public.x, 5))
    assert result["distance_km"] == pytest.approx(
        great_circle_km(55.75, 37.61, public.y, public.x), abs=0.006
    )
    # The point sent out is 300 m to 1 km from the exact one. (One of its coordinates may
    # match the exact one's when the offset ran due north or east: that is no leak.)
    assert 0.29 < great_circle_km(result["lat"], result["lng"], 55.7558, 37.6173) < 1.01


@pytest.mark.parametrize(
    "status", [Event.Status.PENDING, Event.Status.REJECTED, Event.Status.CANCELLED]
)
def test_events_that_are_not_approved_are_never_listed(client, db, status):
    make_event(slug="not-public", status=status)
    assert nearby(client, lat=51.5, lng=-0.12)["count"] == 0


def test_events_that_have_ended_are_never_listed(client, db):
    ended = timezone.now() - datetime.timedelta(minutes=1)
    make_event(slug="over", starts_at=ended - datetime.timedelta(hours=2), ends_at=ended)
    assert nearby(client, lat=51.5, lng=-0.12)["count"] == 0


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "lat"),
        ({"lng": "0"}, "lat"),
        ({"lat": "0"}, "lng"),
        ({"lat": "", "lng": "0"}, "lat"),
        ({"lat": "north", "lng": "0"}, "lat"),
        ({"lat": "90.0001", "lng": "0"}, "lat"),
        ({"lat": "-91", "lng": "0"}, "lat"),
        ({"lat": "nan", "lng": "0"}, "lat"),
        ({"lat": "0", "lng": "inf"}, "lng"),
        ({"lat": "0", "lng": "180.5"}, "lng"),
        ({"lat": "0", "lng": "0", "radius": "0"}, "radius"),
        ({"lat": "0", "lng": "0", "radius": "-5"}, "radius"),
        ({"lat": "0", "lng": "0", "radius": "501"}, "radius"),
        ({"lat": "0", "lng": "0", "radius": "far"}, "radius"),
        ({"lat": "0", "lng": "0", "limit": "0"}, "limit"),
        ({"lat": "0", "lng": "0", "limit": "101"}, "limit"),
        ({"lat": "0", "lng": "0", "limit": "2.5"}, "limit"),
        ({"lat": "0", "lng": "0", "limit": "all"}, "limit"),
    ],
)
def test_a_missing_malformed_or_out_of_range_parameter_gets_a_400_naming_it(
    client, db, params, parameter
):
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == parameter
    assert body["error"].startswith(parameter)


def test_the_largest_radius_and_limit_are_allowed(client, db):
    assert client.get(URL, {"lat": 0, "lng": 0, "radius": 500, "limit": 100}).status_code == 200


def test_nearby_takes_one_query(client, db, django_assert_num_queries):
    for number in range(3):
        make_event(slug=f"e{number}", lat=52.5 + number / 100, lng=13.4)
    with django_assert_num_queries(1):
        assert nearby(client, lat=52.5, lng=13.4)["count"] == 3


def test_only_get_and_head_are_answered(client, db):
    assert client.post(URL, {"lat": 0, "lng": 0}).status_code == 405
