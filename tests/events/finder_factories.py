"""Events for the finder's tests: `make_event(**kwargs)`, approved and upcoming unless told.

Small on purpose (STYLE: make_* with kwargs.setdefault). Every argument is a model field;
`lat`/`lng` are a shortcut for `point`.
"""

from __future__ import annotations

import datetime
import itertools

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone

from events.models import Campaign, Event

_numbers = itertools.count(1)


def make_campaign(**kwargs) -> Campaign:
    number = next(_numbers)
    kwargs.setdefault("name", "Global day of action")
    kwargs.setdefault("slug", f"day-of-action-{number}")
    kwargs.setdefault("date", timezone.localdate() + datetime.timedelta(days=30))
    return Campaign.objects.create(**kwargs)


def make_event(*, lat: float = 51.5074, lng: float = -0.1278, **kwargs) -> Event:
    number = next(_numbers)
    if "campaign" not in kwargs:
        kwargs["campaign"] = Campaign.objects.first() or make_campaign()
    if "organizer" not in kwargs:
        # One shared organizer without a password: hashing one per event would slow every test.
        kwargs["organizer"], _ = get_user_model().objects.get_or_create(
            username="finder-organizer@example.org", email="finder-organizer@example.org"
        )
    kwargs.setdefault("point", Point(lng, lat, srid=4326))
    kwargs.setdefault("kind", Event.Kind.PUBLIC_PLACE)
    kwargs.setdefault("title", f"Solidarity vigil {number}")
    kwargs.setdefault("slug", f"solidarity-vigil-{number}")
    kwargs.setdefault("description", "Bring a sign.")
    if "starts_at" not in kwargs:
        # Noon UTC on the campaign's day: the same local day almost everywhere.
        day = kwargs["campaign"].date
        kwargs["starts_at"] = datetime.datetime.combine(day, datetime.time(12), datetime.UTC)
    kwargs.setdefault("ends_at", kwargs["starts_at"] + datetime.timedelta(hours=2))
    kwargs.setdefault("meeting_point", "By the fountain")
    kwargs.setdefault("address", "Main square")
    kwargs.setdefault("city", "London")
    kwargs.setdefault("country", "GB")
    kwargs.setdefault("organizer_name", "Sasha")
    kwargs.setdefault("guidelines_accepted_at", timezone.now())
    kwargs.setdefault("status", Event.Status.APPROVED)
    return Event.objects.create(**kwargs)
