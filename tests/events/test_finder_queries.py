"""The finder's SQL walks the GiST index on public_point (events/finder/queries.py)."""

from __future__ import annotations

import datetime
import re
from copy import copy

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from events.finder import queries
from events.models import Event
from tests.events.factories import make_event


def explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def spread_events(db):
    """Events all over the world, in the statistics PostgreSQL plans with."""
    template = make_event(slug="template")
    rows = []
    for number in range(1000):
        point = Point(-179.5 + (number * 7.3) % 359, -80 + (number * 3.1) % 160, srid=4326)
        rows.append(copy(template))
        rows[-1].pk, rows[-1].slug = None, f"e{number}"
        rows[-1].point = rows[-1].approximate_point = rows[-1].public_point = point
    Event.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_event")


def assert_walks_the_public_point_index(plan: str) -> None:
    assert "Index Scan using events_event_public_point_" in plan, plan
    assert "Order By: (public_point <-> " in plan, plan
    assert "Sort" not in plan, plan  # the index gives the order; nothing is sorted
    assert "events_event_point_" not in plan  # never the exact point


def test_nearby_json_walks_the_gist_index_on_the_public_point(spread_events):
    for limit in [1, 20, 100]:
        params = queries.nearby_params(lat=52.5, lng=13.4, limit=limit)
        assert_walks_the_public_point_index(explain(queries.NEARBY_SQL, params))


def test_the_list_page_walks_the_same_index(spread_events):
    found = queries.nearest(Event.objects.public(), lat=52.5, lng=13.4)
    for page in [found[:20], found[20:40]]:
        assert_walks_the_public_point_index(explain(*page.query.sql_with_params()))


def test_counting_within_a_radius_uses_the_gist_index(spread_events):
    within = queries.within(Event.objects.public(), lat=52.5, lng=13.4, radius_km=500)
    plan = explain(*within.query.sql_with_params())
    assert re.search(r"Index Scan (on|using) events_event_public_point_", plan), plan
    assert "st_dwithin(public_point, " in plan


def test_the_finder_reads_only_the_public_point():
    assert set(re.findall(r"\w*point\b", queries.NEARBY_SQL)) == {"public_point"}
    found = queries.nearest(Event.objects.public(), lat=52.5, lng=13.4)
    sql, _ = queries.with_public_coordinates(found).values("pk").query.sql_with_params()
    assert '"events_event"."point"' not in sql and '"approximate_point"' not in sql


def test_nearby_sql_keeps_the_rule_of_what_is_public(db):
    """NEARBY_SQL is written out by hand: it must list what Event.objects.public() lists."""
    ended = timezone.now() - datetime.timedelta(minutes=5)
    for number, status in enumerate(Event.Status):
        make_event(slug=f"{status}", status=status, lat=52.5 + number / 100, lng=13.4)
        make_event(
            slug=f"{status}-ended", status=status, lat=52.5 - number / 100, lng=13.4,
            starts_at=ended - datetime.timedelta(hours=1), ends_at=ended,
        )  # fmt: skip
    by_hand = queries.nearby(lat=52.5, lng=13.4, limit=100)
    by_orm = queries.with_public_coordinates(
        queries.nearest(Event.objects.public(), lat=52.5, lng=13.4)
    ).values_list("slug", "distance_m", "lat", "lng")
    assert [(r.slug, r.distance_m, r.lat, r.lng) for r in by_hand] == list(by_orm)
    assert [r.slug for r in by_hand] == ["approved"]


def test_the_list_counts_and_cuts_at_the_radius(db):
    make_event(slug="near", lat=52.5, lng=13.4)
    make_event(slug="far", lat=48.1, lng=11.6)
    listed = queries.NearestList(Event.objects.public(), lat=52.5, lng=13.4, radius_km=100)
    assert listed.count() == 1
    assert [event.slug for event in listed[0:20]] == ["near"]
    unlimited = queries.NearestList(Event.objects.public(), lat=52.5, lng=13.4)
    assert unlimited.count() == 2
    assert [event.slug for event in unlimited[0:20]] == ["near", "far"]
    assert [event.slug for event in unlimited[1:2]] == ["far"]
