"""Factories for the events tests: small make_* functions with kwargs.setdefault defaults.

Every call saves new rows and shares none with other calls: unless given them, an event gets
a campaign and an organizer of its own. Pass `campaign=` and `organizer=` when the test is
about them, or to put several events in one campaign.
"""

from __future__ import annotations

import datetime
import itertools
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.contrib.gis.geos import Point
from django.db.models import F
from django.utils import timezone

from allout.models import Campaign
from events.models import Attendance, Event, ProtestAlert
from tests.conftest import make_user

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The default campaign day, far enough ahead that every time on it is in the future. On
# 16 March 2099 London is on GMT (UTC+0) and New York on EDT (UTC-4); São Paulo is at UTC-3,
# New Delhi at UTC+5:30.
DAY = datetime.date(2099, 3, 16)

PLACES: dict[str, dict[str, Any]] = {
    "london": {"lat": 51.508460, "lng": -0.128310, "city": "London", "country": "GB"},
    "sao-paulo": {"lat": -23.561414, "lng": -46.655882, "city": "São Paulo", "country": "BR"},
    "new-delhi": {"lat": 28.627100, "lng": 77.216600, "city": "New Delhi", "country": "IN"},
    "new-york": {"lat": 40.733660, "lng": -74.002460, "city": "New York", "country": "US"},
    "moscow": {"lat": 55.755800, "lng": 37.617300, "city": "Moscow", "country": "RU"},
}

_numbers = itertools.count(1)


def local(day: datetime.date, hhmm: str, zone: str) -> datetime.datetime:
    """`hhmm` on `day` in the IANA time zone `zone`, as an aware datetime."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.datetime.combine(
        day, datetime.time(hours, minutes), tzinfo=zoneinfo.ZoneInfo(zone)
    )


def make_campaign(**kwargs) -> Campaign:
    """A campaign on DAY unless told otherwise."""
    number = next(_numbers)
    kwargs.setdefault("name", "Global day of action")
    kwargs.setdefault("slug", f"day-of-action-{number}")
    kwargs.setdefault("date", DAY)
    return Campaign.objects.create(**kwargs)


def make_organizer(**kwargs) -> User:
    """A verified user without a password (nothing slow to hash): log in with force_login."""
    number = next(_numbers)
    kwargs.setdefault("password", None)
    return make_user(kwargs.pop("email", f"organizer{number}@example.org"), **kwargs)


def make_event(
    *,
    campaign: Campaign | None = None,
    organizer: User | None = None,
    place: str = "london",
    lat: float | None = None,
    lng: float | None = None,
    **kwargs,
) -> Event:
    """An approved public-place event; every other keyword is an Event field.

    Defaults, each overridden by passing it:
    - `campaign`: a new one, on the (site-local) day `starts_at` falls on if that is given,
      else on DAY;
    - `organizer`: a new make_organizer();
    - the point, city and country of `place` (a PLACES key); `lat` and `lng` set the point
      alone, leaving the place's city and country;
    - `starts_at`: 14:00 local time (the point's time zone) on the campaign's day;
    - `ends_at`: two hours after `starts_at`.
    """
    if (lat is None) != (lng is None):
        raise TypeError("make_event() takes lat and lng together")
    number = next(_numbers)
    spot = PLACES[place]
    if lat is None:
        lat, lng = spot["lat"], spot["lng"]
    kwargs.setdefault("point", Point(lng, lat, srid=4326))
    kwargs.setdefault("city", spot["city"])
    kwargs.setdefault("country", spot["country"])
    if campaign is None:
        starts_at = kwargs.get("starts_at")
        campaign = make_campaign(date=timezone.localdate(starts_at) if starts_at else DAY)
    if organizer is None:
        organizer = make_organizer()
    kwargs.setdefault("kind", Event.Kind.PUBLIC_PLACE)
    kwargs.setdefault("title", "Solidarity protest")
    kwargs.setdefault("slug", f"event-{number}")
    kwargs.setdefault("description", "We stand with **queer Russians**.")
    kwargs.setdefault("meeting_point", "By the fountain")
    kwargs.setdefault("address", "1 Main Square")
    kwargs.setdefault("organizer_name", "Solidarity collective")
    kwargs.setdefault("status", Event.Status.APPROVED)
    kwargs.setdefault("guidelines_accepted_at", timezone.now())
    event = Event(campaign=campaign, organizer=organizer, **kwargs)
    event.place_points()  # the time zone, to type the default start in
    if event.starts_at is None:
        event.starts_at = local(campaign.date, "14:00", event.timezone)
    if event.ends_at is None:
        event.ends_at = event.starts_at + datetime.timedelta(hours=2)
    event.save()
    return event


def make_attendance(event: Event, **kwargs) -> Attendance:
    """A sign-up; pass status=CONFIRMED for a counted participant (the counter follows)."""
    number = next(_numbers)
    kwargs.setdefault("first_name", f"Alex{number}")
    kwargs.setdefault("email", f"participant{number}@example.org")
    kwargs.setdefault("status", Attendance.Status.UNCONFIRMED)
    kwargs.setdefault("confirmation_sent_at", timezone.now())
    if kwargs["status"] == Attendance.Status.CONFIRMED:
        kwargs.setdefault("confirmed_at", timezone.now())
    attendance = Attendance.objects.create(event=event, **kwargs)
    if attendance.is_confirmed():
        Event.objects.filter(pk=event.pk).update(participant_count=F("participant_count") + 1)
        event.refresh_from_db(fields=["participant_count"])
    return attendance


def form_data(**overrides) -> dict:
    """What the registration form POSTs: a public place in London, 14:00 to 16:00 on DAY."""
    place = PLACES["london"]
    data = {
        "kind": Event.Kind.PUBLIC_PLACE,
        "embassy": "",
        "place_search": "",
        "latitude": place["lat"],
        "longitude": place["lng"],
        "city": place["city"],
        "country": place["country"],
        "address": "Trafalgar Square, London WC2N 5DN",
        "meeting_point": "North terrace, by the steps",
        "hide_exact_location": "",
        "date": DAY.isoformat(),
        "start_time": "14:00",
        "end_time": "16:00",
        "title": "London stands with queer Russia",
        "description": "We protest **peacefully**.",
        "expected_size": "200",
        "accessibility": "Step-free access.",
        "what_to_bring": "Flags.",
        "organizer_name": "London volunteers",
        "accept_guidelines": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def make_alert(campaign: Campaign, *, near: str = "london", **kwargs) -> ProtestAlert:
    """A protest alert at a PLACES key (or `point=`); pass status=CONFIRMED for a live one."""
    number = next(_numbers)
    spot = PLACES[near]
    kwargs.setdefault("point", Point(spot["lng"], spot["lat"], srid=4326))
    kwargs.setdefault("place", spot["city"])
    kwargs.setdefault("place_key", f"{number}")  # a town of its own unless told
    kwargs.setdefault("first_name", f"Sam{number}")
    kwargs.setdefault("email", f"alert{number}@example.org")
    kwargs.setdefault("email_normalized", kwargs["email"].lower())
    kwargs.setdefault("radius_km", 50)
    kwargs.setdefault("status", ProtestAlert.Status.UNCONFIRMED)
    kwargs.setdefault("confirmation_sent_at", timezone.now())
    return ProtestAlert.objects.create(campaign=campaign, **kwargs)
