"""Small factories for events and their participants (kwargs.setdefault, no shared state)."""

from __future__ import annotations

import datetime
import itertools

from django.contrib.gis.geos import Point
from django.db.models import F
from django.utils import timezone

from events.models import Attendance, Campaign, Event
from tests.conftest import make_user

_serial = itertools.count(1)


def make_campaign(**kwargs) -> Campaign:
    n = next(_serial)
    kwargs.setdefault("name", "Global day of action")
    kwargs.setdefault("slug", f"day-of-action-{n}")
    kwargs.setdefault("date", timezone.localdate() + datetime.timedelta(days=3))
    return Campaign.objects.create(**kwargs)


def make_organizer(**kwargs):
    """A verified user; without a password to hash (slow on purpose), so log in with force_login."""
    n = next(_serial)
    kwargs.setdefault("password", None)
    return make_user(kwargs.pop("email", f"organizer{n}@example.org"), **kwargs)


def make_event(**kwargs) -> Event:
    """An approved event in London three days from now, unless told otherwise."""
    n = next(_serial)
    starts_at = kwargs.setdefault("starts_at", timezone.now() + datetime.timedelta(days=3))
    kwargs.setdefault("ends_at", starts_at + datetime.timedelta(hours=2))
    if "campaign" not in kwargs:
        kwargs["campaign"] = make_campaign(date=starts_at.date())
    if "organizer" not in kwargs:
        kwargs["organizer"] = make_organizer()
    kwargs.setdefault("kind", Event.Kind.PUBLIC_PLACE)
    kwargs.setdefault("title", "Solidarity vigil")
    kwargs.setdefault("slug", f"solidarity-vigil-{n}")
    kwargs.setdefault("description", "We stand together.")
    kwargs.setdefault("meeting_point", "By the fountain")
    kwargs.setdefault("address", "Trafalgar Square")
    kwargs.setdefault("city", "London")
    kwargs.setdefault("country", "GB")
    kwargs.setdefault("point", Point(-0.1276, 51.5072, srid=4326))
    kwargs.setdefault("organizer_name", "Sasha")
    kwargs.setdefault("guidelines_accepted_at", timezone.now())
    kwargs.setdefault("status", Event.Status.APPROVED)
    return Event.objects.create(**kwargs)


def make_attendance(event: Event | None = None, **kwargs) -> Attendance:
    """A sign-up; pass status=CONFIRMED for a counted participant (the counter follows)."""
    n = next(_serial)
    event = event or make_event()
    kwargs.setdefault("first_name", f"Alex{n}")
    kwargs.setdefault("email", f"participant{n}@example.org")
    kwargs.setdefault("status", Attendance.Status.UNCONFIRMED)
    kwargs.setdefault("confirmation_sent_at", timezone.now())
    if kwargs["status"] == Attendance.Status.CONFIRMED:
        kwargs.setdefault("confirmed_at", timezone.now())
    attendance = Attendance.objects.create(event=event, **kwargs)
    if attendance.is_confirmed():
        Event.objects.filter(pk=event.pk).update(participant_count=F("participant_count") + 1)
        event.refresh_from_db(fields=["participant_count"])
    return attendance


def link_in(row, marker: str) -> str:
    """The path of the first link in an outbox email's text that contains `marker`."""
    for word in row.body_text.split():
        if marker in word and word.startswith("http"):
            return "/" + word.split("/", 3)[3]
    raise AssertionError(f"No link with {marker!r} in {row.kind} email")
