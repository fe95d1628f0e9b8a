import math

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

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
    """The distance on the WGS 84 spheroid, as PostGIS measures it for the finder."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(%s::geography, %s::geography)",
            [a.hexewkb.decode(), b.hexewkb.decode()],
        )
        return cursor.fetchone()[0]


def test_a_hidden_event_shows_a_point_300_m_to_1_km_away(db):
    event = make_event(hide_exact_location=True)
    assert event.timezone == "Europe/London"
    assert 300 <= _metres(event.point, event.public_point) <= 1000
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
    assert 300 <= _metres(event.point, event.public_point) <= 1000


def test_a_visible_event_shows_its_exact_point(db):
    event = make_event(hide_exact_location=False)
    assert event.public_point.equals_exact(event.point, 1e-12)


# --- The public point of a hidden one follows from its cell and the secret ---------------
def _mean(points: list[Point]) -> Point:
    return Point(
        sum(p.x for p in points) / len(points), sum(p.y for p in points) / len(points), srid=4326
    )


def test_forty_saves_nudging_the_pin_a_metre_give_two_public_points_at_most_and_no_average(db):
    event = make_event(hide_exact_location=True)
    start = event.point
    seen = []
    for metres in range(1, 41):
        event = Event.objects.get(pk=event.pk)
        event.point = geo.offset_point(start, distance_m=metres, bearing_deg=90)
        event.save()
        # What anyone polling map.geojson or nearby.json reads after each save.
        seen.append(Event.objects.values_list("public_point", flat=True).get(pk=event.pk))
    assert len({(p.x, p.y) for p in seen}) <= 2
    average = _mean(seen)
    assert _metres(average, start) > 300
    assert _metres(average, event.point) > 300


def test_typing_more_decimals_or_saving_again_keeps_the_public_point(db):
    event = make_event(hide_exact_location=True, lat=51.508460, lng=-0.128310)
    first = event.public_point
    for lat, lng in [(51.5084601, -0.1283104), (51.50846012345, -0.12831), (51.50846, -0.12831)]:
        event = Event.objects.get(pk=event.pk)
        event.point = Point(lng, lat, srid=4326)
        event.save()
        assert Event.objects.get(pk=event.pk).public_point.equals_exact(first, 1e-12)


def test_the_same_point_and_secret_give_the_same_public_point_and_another_secret_another():
    point = Point(-0.128310, 51.508460, srid=4326)
    same = geo.approximate(point, secret="one secret")
    assert geo.approximate(point.clone(), secret="one secret").equals_exact(same, 0)
    other = geo.approximate(point, secret="another secret")
    assert not other.equals_exact(same, 1e-6)


def test_the_secret_is_the_sites_own_by_default(settings):
    point = Point(-0.128310, 51.508460, srid=4326)
    settings.SECRET_KEY = "the site's key"
    assert geo.approximate(point).equals_exact(geo.approximate(point, secret="the site's key"), 0)


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lat=st.floats(min_value=-85, max_value=85),
    lng=st.floats(min_value=-180, max_value=180),
    secret=st.text(min_size=1, max_size=50),
)
def test_every_public_point_is_300_m_to_1_km_from_its_exact_point(db, lat, lng, secret):
    exact = Point(lng, lat, srid=4326)
    assert 300 <= _metres(exact, geo.approximate(exact, secret=secret)) <= 1000


def test_the_bounds_hold_wherever_the_exact_point_is_in_its_cell_corners_included(db):
    # A lattice 10 m apart over 300 m by 300 m covers at least one whole 250 m cell, up to
    # its corners (the worst case: the farthest from the cell's centre).
    origin = Point(-0.128310, 51.508460, srid=4326)
    publics = set()
    for north in range(0, 301, 10):
        row = geo.offset_point(origin, distance_m=north, bearing_deg=0)
        for east in range(0, 301, 10):
            exact = geo.offset_point(row, distance_m=east, bearing_deg=90)
            public = geo.approximate(exact)
            publics.add((public.x, public.y))
            assert 300 <= _metres(exact, public) <= 1000
    assert 4 <= len(publics) <= 9  # a handful of cells, not a point per position


# --- An embassy's meeting point is public ------------------------------------------------
def test_an_embassy_event_is_never_saved_hidden(db, embassy):
    event = make_event(
        kind=Event.Kind.EMBASSY,
        embassy=embassy,
        point=embassy.point,
        hide_exact_location=True,
    )
    event.refresh_from_db()
    assert event.hide_exact_location is False
    assert event.public_point.equals_exact(event.point, 1e-12)


def test_the_database_refuses_a_hidden_embassy_event(db, embassy):
    event = make_event(kind=Event.Kind.EMBASSY, embassy=embassy, point=embassy.point)
    with pytest.raises(IntegrityError):
        Event.objects.filter(pk=event.pk).update(hide_exact_location=True)


def test_the_admin_form_refuses_to_hide_an_embassy_events_point(db, staff_user, embassy):
    from tests.events.test_admin_times import admin_form, as_post

    event = make_event(kind=Event.Kind.EMBASSY, embassy=embassy, point=embassy.point)
    data = as_post(admin_form(staff_user, event))
    assert admin_form(staff_user, Event.objects.get(pk=event.pk), data).is_valid()
    data["hide_exact_location"] = "on"
    form = admin_form(staff_user, Event.objects.get(pk=event.pk), data)
    assert not form.is_valid()
    assert "its meeting point cannot be hidden" in str(form.errors["hide_exact_location"])
