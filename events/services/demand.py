"""Hosts see demand, never people: how many people near a place want a protest there.

The count is of distinct addresses: confirmed protest alerts near the place and confirmed
participants of other upcoming events near it. It is shown only from DEMAND_MINIMUM up, so
it can never point at one person ("one person near Tromsø asked"), and it names nobody.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.utils.translation import ngettext

from events.models import Attendance, Event, ProtestAlert

DEMAND_RADIUS_KM = 50
# Below this many people, no count is shown at all.
DEMAND_MINIMUM = 10
# A count is for the centre of the place's cell of this many degrees (about 28 km north to
# south), not for the point asked: moving the circle in small steps, to watch one person's
# town enter or leave it, gives the same answer throughout a cell, and a step to the next
# cell moves it by half its radius.
GRID_DEGREES = 0.25
# Counts a client may ask for in ten minutes (demand.json and the event form's, together):
# an organizer looks up a few places, not a map's worth.
DEMAND_LIMIT, DEMAND_PERIOD = 60, 600


def snapped(point: Point) -> Point:
    """The centre of the GRID_DEGREES cell `point` is in."""
    step = GRID_DEGREES
    x = round(round(point.x / step) * step, 6)
    y = round(round(point.y / step) * step, 6)
    return Point(x, y, srid=4326)


def people_near(point: Point, *, excluding: Event | None = None) -> int:
    """Distinct confirmed addresses within DEMAND_RADIUS_KM of `point` (both ST_DWithin on
    geography, each served by its GiST index: the alerts' point, the events' public point)."""
    near = D(km=DEMAND_RADIUS_KM)
    alerts = ProtestAlert.objects.confirmed().filter(point__dwithin=(point, near))
    events = Event.objects.public().filter(public_point__dwithin=(point, near))
    if excluding is not None:
        events = events.exclude(pk=excluding.pk)
    participants = Attendance.objects.confirmed().filter(event__in=events.values("pk"))
    return alerts.values("email_normalized").union(participants.values("email_normalized")).count()


def demand_near(point: Point, *, excluding: Event | None = None) -> int | None:
    """The count to show near `point` (its cell: snapped()), or None when it is below
    DEMAND_MINIMUM."""
    count = people_near(snapped(point), excluding=excluding)
    return count if count >= DEMAND_MINIMUM else None


def describe(count: int, place: str = "") -> str:
    """The sentence that shows a count (the form page, the dashboard, the finder, the JSON)."""
    if place:
        return ngettext(
            "%(count)d person near %(place)s asked to hear about protests or is going to one.",
            "%(count)d people near %(place)s asked to hear about protests or are going to one.",
            count,
        ) % {"count": count, "place": place}
    return ngettext(
        "%(count)d person within %(km)d km asked to hear about protests or is going to one.",
        "%(count)d people within %(km)d km asked to hear about protests or are going to one.",
        count,
    ) % {"count": count, "km": DEMAND_RADIUS_KM}
