"""The .ics file: it parses, names the event's own time zone, and shows only public places."""

from __future__ import annotations

import datetime

import icalendar
import pytest

from tests.events.factories import make_event

pytestmark = pytest.mark.django_db


def fetch(client, slug: str) -> icalendar.Event:
    response = client.get(f"/events/{slug}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{slug}.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == event["DTSTART"].params["TZID"]
    return event  # type: ignore[return-value]  # walk() is typed as returning Components


@pytest.mark.parametrize(
    ("place", "zone", "utc_hour"),
    [
        ("london", "Europe/London", (14, 0)),
        ("sao-paulo", "America/Sao_Paulo", (17, 0)),
        ("new-delhi", "Asia/Kolkata", (8, 30)),
        ("new-york", "America/New_York", (18, 0)),
    ],
)
def test_the_calendar_file_carries_the_events_zone_and_instants(
    client, campaign, organizer, place, zone, utc_hour
):
    event = make_event(campaign=campaign, organizer=organizer, slug=place, place=place)
    entry = fetch(client, place)
    start, end = entry.decoded("DTSTART"), entry.decoded("DTEND")
    assert entry["DTSTART"].params["TZID"] == zone
    assert (start.hour, start.minute) == (14, 0)  # written in local time...
    expected = datetime.datetime(2099, 3, 16, *utc_hour, tzinfo=datetime.UTC)
    assert start == expected == event.starts_at  # ...and meaning the right instant
    assert end - start == datetime.timedelta(hours=2)
    assert str(entry["UID"]) == f"event-{event.pk}@127.0.0.1"
    assert str(entry["URL"]) == f"http://127.0.0.1:8000/events/{place}/"
    assert str(entry["SUMMARY"]) == "Solidarity protest"


def test_the_calendar_file_of_a_hidden_event_has_only_the_city(client, campaign, organizer):
    event = make_event(
        campaign=campaign, organizer=organizer, slug="hidden", hide_exact_location=True
    )
    entry = fetch(client, "hidden")
    assert str(entry["LOCATION"]) == "London, United Kingdom"
    assert entry.decoded("GEO") == (
        round(event.approximate_point.y, 6),
        round(event.approximate_point.x, 6),
    )
    assert entry.decoded("GEO") != (round(event.point.y, 6), round(event.point.x, 6))


def test_the_calendar_file_of_an_open_event_has_the_meeting_point(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, slug="open")
    entry = fetch(client, "open")
    assert str(entry["LOCATION"]) == "By the fountain, 1 Main Square, London, United Kingdom"


def test_the_calendar_files_description_is_plain_text_with_the_absolute_url(
    client, campaign, organizer
):
    make_event(
        campaign=campaign,
        organizer=organizer,
        slug="open",
        description="We march for **equal rights** & [dignity](/about/).\n\n* Bring water",
    )
    entry = fetch(client, "open")
    assert str(entry["DESCRIPTION"]) == (
        "We march for equal rights & dignity.\n\nBring water\n\nhttp://127.0.0.1:8000/events/open/"
    )
