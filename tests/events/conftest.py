"""Events fixtures: the campaign, organizers and events, built with small make_* factories."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from events.models import Campaign, Embassy, Event, HighRiskCountry
from tests.conftest import make_user

# Far enough ahead that every time on the day is in the future. On 16 March 2099 London is
# on GMT (UTC+0) and New York on EDT (UTC-4); São Paulo is at UTC-3, New Delhi at UTC+5:30.
DAY = datetime.date(2099, 3, 16)

PLACES = {
    "london": {"lat": 51.508460, "lng": -0.128310, "city": "London", "country": "GB"},
    "sao-paulo": {"lat": -23.561414, "lng": -46.655882, "city": "São Paulo", "country": "BR"},
    "new-delhi": {"lat": 28.627100, "lng": 77.216600, "city": "New Delhi", "country": "IN"},
    "new-york": {"lat": 40.733660, "lng": -74.002460, "city": "New York", "country": "US"},
    "moscow": {"lat": 55.755800, "lng": 37.617300, "city": "Moscow", "country": "RU"},
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Users are made in most tests here; PBKDF2 would cost ~0.2 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def campaign(db) -> Campaign:
    return Campaign.objects.create(name="Day of action", slug="day-of-action", date=DAY)


@pytest.fixture
def organizer(db):
    return make_user("organizer@example.org")


@pytest.fixture
def high_risk(db) -> None:
    # Seeded by a data migration; the fixture makes the tests' premise explicit.
    HighRiskCountry.objects.get_or_create(country="RU")
    HighRiskCountry.objects.get_or_create(country="BY")


@pytest.fixture
def embassy(db) -> Embassy:
    return Embassy.objects.create(
        name="Embassy of the Russian Federation in the United Kingdom",
        country="GB",
        city="London",
        address="6/7 Kensington Palace Gardens, London W8 4QP",
        point=Point(-0.190944, 51.507806, srid=4326),
    )


def local(day: datetime.date, hhmm: str, zone: str) -> datetime.datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.datetime.combine(
        day, datetime.time(hours, minutes), tzinfo=zoneinfo.ZoneInfo(zone)
    )


def make_event(campaign: Campaign, organizer, **kwargs) -> Event:
    place = PLACES[kwargs.pop("place", "london")]
    kwargs.setdefault("title", "Solidarity protest")
    kwargs.setdefault("slug", f"event-{Event.objects.count() + 1}")
    kwargs.setdefault("kind", Event.Kind.PUBLIC_PLACE)
    kwargs.setdefault("description", "We stand with **queer Russians**.")
    kwargs.setdefault("point", Point(place["lng"], place["lat"], srid=4326))
    kwargs.setdefault("city", place["city"])
    kwargs.setdefault("country", place["country"])
    kwargs.setdefault("meeting_point", "By the fountain")
    kwargs.setdefault("address", "1 Main Square")
    kwargs.setdefault("organizer_name", "Solidarity collective")
    kwargs.setdefault("status", Event.Status.APPROVED)
    kwargs.setdefault("guidelines_accepted_at", timezone.now())
    event = Event(campaign=campaign, organizer=organizer, **kwargs)
    event.place_points()  # the time zone, to type the default times in
    if "starts_at" not in kwargs:
        event.starts_at = local(campaign.date, "14:00", event.timezone)
        event.ends_at = local(campaign.date, "16:00", event.timezone)
    event.save()
    return event


def form_data(**overrides) -> dict:
    """A valid registration: a public place in London, 14:00 to 16:00 on the day."""
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
