import math

import pytest
from django.contrib.gis.geos import Point

from events import geo
from events.finder import places
from events.models import Event
from tests.events.factories import make_event


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("London", "London, United Kingdom"),
        ("london", "London, United Kingdom"),
        ("Sao Paulo", "São Paulo, Brazil"),
        ("São Paulo", "São Paulo, Brazil"),
        ("Bangalore", "Bengaluru, India"),
        ("New York", "New York City, New York, United States of America"),
        ("Лондон", "London, United Kingdom"),
        ("France", "France"),
    ],
)
def test_place_names_resolve_offline_whatever_the_spelling(typed, expected):
    assert places.search(typed)[0].label == expected


def test_an_ambiguous_name_offers_every_match_largest_first():
    matches = places.search("Springfield")
    assert len(matches) > 3
    assert len({m.label for m in matches}) == len(matches)  # the state tells them apart
    populations = [m.population for m in matches]
    assert populations == sorted(populations, reverse=True)


def test_an_unknown_name_finds_nothing():
    assert places.search("Xyzzyville") == []
    assert places.search("   ") == []


def test_type_ahead_puts_the_exact_name_first():
    assert places.complete("London")[0].label == "London, United Kingdom"
    assert all("lon" in p.name.lower() or p.kind == "city" for p in places.complete("Lon"))


def test_offset_point_moves_the_asked_distance_even_across_the_antimeridian():
    start = Point(179.999, 0.0, srid=4326)
    moved = geo.offset_point(start, distance_m=1000, bearing_deg=90)
    assert -180 < moved.x < -179.99
    assert math.isclose(moved.y, 0.0, abs_tol=1e-6)


@pytest.mark.parametrize(
    ("lng", "lat", "zone"),
    [
        (-0.1276, 51.5072, "Europe/London"),
        (-46.6333, -23.5505, "America/Sao_Paulo"),
        (77.2090, 28.6139, "Asia/Kolkata"),
        (-73.9712, 40.7831, "America/New_York"),
    ],
)
def test_time_zone_follows_from_the_point(lng, lat, zone):
    assert geo.timezone_name_at(Point(lng, lat, srid=4326)) == zone


def _metres(a: Point, b: Point) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(%s::geography, %s::geography)",
            [a.hexewkb.decode(), b.hexewkb.decode()],
        )
        return cursor.fetchone()[0]


def test_a_hidden_event_shows_a_point_a_few_hundred_metres_away(db):
    event = make_event(hide_exact_location=True)
    assert event.timezone == "Europe/London"
    assert 250 < _metres(event.point, event.public_point) < 750
    assert event.public_point == event.approximate_point


def test_the_approximate_point_is_drawn_once_not_on_every_save(db):
    event = make_event(hide_exact_location=True)
    first = event.approximate_point
    event = Event.objects.get(pk=event.pk)
    event.title = "Renamed"
    event.save()
    event = Event.objects.get(pk=event.pk)
    assert event.approximate_point.equals_exact(first, 1e-12)


def test_moving_the_event_draws_a_new_approximate_point_and_time_zone(db):
    event = make_event(hide_exact_location=True)
    event = Event.objects.get(pk=event.pk)
    event.point = Point(-46.6333, -23.5505, srid=4326)
    event.save()
    assert event.timezone == "America/Sao_Paulo"
    assert _metres(event.point, event.public_point) < 750


def test_a_visible_event_shows_its_exact_point(db):
    event = make_event(hide_exact_location=False)
    assert event.public_point.equals_exact(event.point, 1e-12)
