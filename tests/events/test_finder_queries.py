"""The finder's SQL walks the GiST index on public_point (events/queries.py)."""

from __future__ import annotations

from copy import copy

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from events import queries
from events.models import Event
from events.views.finder import nearby_query
from tests.events.finder_factories import make_event


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
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


def test_nearest_first_is_answered_by_the_gist_index_on_the_public_point(spread_events):
    for limit in [1, 20, 100]:
        plan = explain(nearby_query(lat=52.5, lng=13.4, limit=limit))
        assert "Index Scan using events_event_public_point_" in plan, plan
        assert "Order By: (public_point <-> " in plan, plan
        assert "Sort" not in plan, plan  # the index gives the order; nothing is sorted
        assert "events_event_point_" not in plan  # never the exact point


def test_counting_within_a_radius_uses_the_gist_index(spread_events):
    plan = explain(queries.within(Event.objects.public(), lat=52.5, lng=13.4, radius_km=500))
    assert "Index Scan on events_event_public_point_" in plan or (
        "Index Scan using events_event_public_point_" in plan
    ), plan
    assert "st_dwithin(public_point, " in plan


def test_the_finder_reads_only_the_public_point(db):
    sql, _ = nearby_query(lat=52.5, lng=13.4, limit=20).query.sql_with_params()
    assert sql.count('"events_event"."public_point"') == 4  # distance, order, lat, lng
    assert '"events_event"."point"' not in sql


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
