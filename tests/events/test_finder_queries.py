"""The finder's SQL walks the GiST index on public_point (events/queries.py)."""

from __future__ import annotations

from copy import copy

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from events import queries
from events.models import Event
from events.views.finder import nearby_events
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
    for radius_km in [None, 50, 500]:
        plan = explain(nearby_events(lat=52.5, lng=13.4, radius_km=radius_km, limit=20))
        assert "Index Scan using events_event_public_point_" in plan, plan
        assert "Order By: (public_point <-> " in plan, plan
        assert "events_event_point_" not in plan  # never the exact point


def test_the_radius_is_an_st_dwithin_on_the_public_point(db):
    sql, _ = nearby_events(lat=52.5, lng=13.4, radius_km=50, limit=20).query.sql_with_params()
    assert 'ST_DWithin("events_event"."public_point", ' in sql
    assert '"events_event"."point"' not in sql


def test_the_list_counts_what_the_radius_keeps(db):
    make_event(slug="near", lat=52.5, lng=13.4)
    make_event(slug="far", lat=48.1, lng=11.6)
    listed = queries.NearestList(Event.objects.public(), lat=52.5, lng=13.4, radius_km=100)
    assert listed.count() == 1
    assert [event.slug for event in listed[0:20]] == ["near"]
    with pytest.raises(TypeError):
        listed[0]
