"""The iCalendar feeds (/events/calendar.ics): what calendars subscribe to. Each event keeps
its UID through edits, carries its own time zone, and shows only its public place."""

from __future__ import annotations

import datetime

import icalendar
import pytest
import time_machine
from django.utils import timezone

from events.finder import mapdata
from events.models import Event
from events.services import moderation
from events.services import organizer as organizer_tools
from tests.events.factories import DAY, form_data, make_campaign, make_event

pytestmark = pytest.mark.django_db


def feed(client, query: str = "") -> icalendar.Calendar:
    response = client.get(f"/events/calendar.ics{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def entries(calendar: icalendar.Calendar) -> dict[str, icalendar.Component]:
    """The VEVENTs by URL (the event page's address)."""
    return {str(entry["URL"]): entry for entry in calendar.walk("VEVENT")}


def url(event: Event) -> str:
    return f"http://127.0.0.1:8000/events/{event.slug}/"


def test_the_feed_lists_every_approved_upcoming_event_each_in_its_own_time_zone(
    client, campaign, organizer
):
    london = make_event(campaign=campaign, organizer=organizer, place="london")
    delhi = make_event(campaign=campaign, organizer=organizer, place="new-delhi")
    new_york = make_event(campaign=campaign, organizer=organizer, place="new-york")
    calendar = feed(client)
    found = entries(calendar)
    assert set(found) == {url(london), url(delhi), url(new_york)}
    for event, zone in [
        (london, "Europe/London"),
        (delhi, "Asia/Kolkata"),
        (new_york, "America/New_York"),
    ]:
        entry = found[url(event)]
        assert entry["DTSTART"].params["TZID"] == zone == entry["DTEND"].params["TZID"]
        assert entry.decoded("DTSTART") == event.starts_at
        assert entry.decoded("DTSTART").astimezone(event.tz).hour == 14  # local time
        assert str(entry["UID"]) == f"event-{event.pk}@127.0.0.1"
        assert str(entry["STATUS"]) == "CONFIRMED"
    # One VTIMEZONE for each zone the events use, and only those.
    zones = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    assert zones == {"Europe/London", "Asia/Kolkata", "America/New_York"}
    assert str(calendar["X-WR-CALNAME"]) == "Stand with queer Russia: protests"
    # Subscribed calendars are asked to fetch it again hourly.
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in calendar.to_ical()
    assert b"X-PUBLISHED-TTL:PT1H" in calendar.to_ical()


def test_pending_rejected_past_and_high_risk_events_are_not_in_the_feed(
    client, campaign, organizer, high_risk
):
    listed = make_event(campaign=campaign, organizer=organizer)
    make_event(campaign=campaign, organizer=organizer, status=Event.Status.PENDING)
    make_event(campaign=campaign, organizer=organizer, status=Event.Status.REJECTED)
    make_event(campaign=campaign, organizer=organizer, place="moscow", status=Event.Status.APPROVED)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    make_event(
        organizer=organizer, starts_at=yesterday, ends_at=yesterday + datetime.timedelta(hours=2)
    )
    assert set(entries(feed(client))) == {url(listed)}


def test_the_uid_stays_when_the_organizer_edits_the_event_and_the_sequence_grows(
    client, campaign, organizer, django_capture_on_commit_callbacks
):
    event = make_event(campaign=campaign, organizer=organizer, slug="london-vigil")
    # Made five minutes ago, so that the edit comes later by the second.
    Event.objects.filter(pk=event.pk).update(
        created_at=event.created_at - datetime.timedelta(minutes=5),
        updated_at=event.updated_at - datetime.timedelta(minutes=5),
    )
    (before,) = entries(feed(client)).values()
    assert int(before["SEQUENCE"]) == 0

    client.force_login(organizer)
    edit = form_data(title="A vigil with a new title", start_time="15:00", end_time="17:00")
    with django_capture_on_commit_callbacks(execute=True):  # drops the cached feed
        assert client.post("/events/london-vigil/edit/", edit).status_code == 302
    client.logout()

    (after,) = entries(feed(client)).values()
    assert str(after["SUMMARY"]) == "A vigil with a new title"
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert after.decoded("DTSTART").astimezone(event.tz).hour == 15


def test_a_hidden_event_shows_only_its_city_and_approximate_point(client, campaign, organizer):
    event = make_event(
        campaign=campaign,
        organizer=organizer,
        hide_exact_location=True,
        meeting_point="Behind the blue kiosk",
        address="12 Hidden Lane",
    )
    response = client.get("/events/calendar.ics")
    (entry,) = entries(icalendar.Calendar.from_ical(response.content)).values()
    assert str(entry["LOCATION"]) == "London, United Kingdom"
    exact = (round(event.point.y, 6), round(event.point.x, 6))
    approximate = (round(event.approximate_point.y, 6), round(event.approximate_point.x, 6))
    assert entry.decoded("GEO") == approximate != exact
    body = response.content.decode()
    assert "Behind the blue kiosk" not in body and "12 Hidden Lane" not in body
    for coordinate in (f"{event.point.y:.4f}", f"{event.point.x:.4f}"):
        assert coordinate not in body


def test_the_description_is_plain_text_ending_with_the_events_absolute_address(
    client, campaign, organizer
):
    event = make_event(
        campaign=campaign, organizer=organizer, description="We march for **equal rights**."
    )
    (entry,) = entries(feed(client)).values()
    assert str(entry["DESCRIPTION"]) == f"We march for equal rights.\n\n{url(event)}"


def test_the_country_feed_lists_that_countrys_events_only(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, place="london")
    new_york = make_event(campaign=campaign, organizer=organizer, place="new-york")
    calendar = feed(client, "?country=US")
    assert set(entries(calendar)) == {url(new_york)}
    assert (
        str(calendar["X-WR-CALNAME"])
        == "Stand with queer Russia: protests in United States of America"
    )
    assert set(entries(feed(client, "?country=us"))) == {url(new_york)}  # any case
    assert set(entries(feed(client, "?country=DE"))) == set()


def test_the_campaign_feed_lists_that_campaigns_events_only(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer)
    other = make_campaign(slug="next-year", date=DAY + datetime.timedelta(days=365))
    next_year = make_event(campaign=other, organizer=organizer)
    assert set(entries(feed(client, "?campaign=next-year"))) == {url(next_year)}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?country=XX", "country must be a two-letter ISO 3166 country code, such as DE."),
        ("?country=Germany", "country must be a two-letter ISO 3166 country code, such as DE."),
        ("?campaign=nope", "campaign must be the short name (slug) of a campaign on this site."),
    ],
)
def test_a_wrong_country_or_campaign_is_a_400_saying_what_is_expected(client, db, query, message):
    response = client.get(f"/events/calendar.ics{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == message


def test_a_cancelled_event_stays_in_the_feed_as_cancelled_with_its_city_only(
    client, campaign, organizer
):
    event = make_event(
        campaign=campaign,
        organizer=organizer,
        hide_exact_location=True,
        meeting_point="Behind the blue kiosk",
        approved_at=timezone.now(),
    )
    organizer_tools.cancel_event(event, organizer, note="Storm warning.")
    response = client.get("/events/calendar.ics")
    (entry,) = entries(icalendar.Calendar.from_ical(response.content)).values()
    assert str(entry["STATUS"]) == "CANCELLED"
    assert str(entry["SUMMARY"]) == "Cancelled: Solidarity protest"
    assert str(entry["LOCATION"]) == "London, United Kingdom"
    assert "GEO" not in entry
    assert str(entry["DESCRIPTION"]) == f"Storm warning.\n\n{url(event)}"
    assert b"Behind the blue kiosk" not in response.content


def test_an_event_staff_unpublished_is_not_in_the_feed_even_once_cancelled(
    client, campaign, organizer, staff_user
):
    event = make_event(campaign=campaign, organizer=organizer, approved_at=timezone.now())
    moderation.unpublish_event(event, staff_user, "Duplicate")
    organizer_tools.cancel_event(event, organizer, note="Never mind.")
    assert entries(feed(client)) == {}


def test_the_feed_is_cached_briefly_and_answers_304_when_unchanged(
    client, campaign, organizer, django_capture_on_commit_callbacks
):
    make_event(campaign=campaign, organizer=organizer)
    first = client.get("/events/calendar.ics")
    assert "max-age=300" in first["Cache-Control"] and "public" in first["Cache-Control"]
    etag = first["ETag"]
    assert client.get("/events/calendar.ics", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # The same events give the same bytes (DTSTAMP is the event's last change, not now).
    again = client.get("/events/calendar.ics")
    assert again["ETag"] == etag and again.content == first.content
    with django_capture_on_commit_callbacks(execute=True):  # drops the cached feed
        make_event(campaign=campaign, organizer=organizer, place="new-york")
    changed = client.get("/events/calendar.ics", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert len(entries(icalendar.Calendar.from_ical(changed.content))) == 2


def test_the_feed_answers_unprefixed_and_in_a_language(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer)
    (entry,) = entries(feed(client, "")).values()
    assert str(entry["LOCATION"]).endswith("United Kingdom")
    russian = client.get("/ru/events/calendar.ics")
    (entry,) = entries(icalendar.Calendar.from_ical(russian.content)).values()
    assert str(entry["LOCATION"]).endswith("Великобритания")


def test_an_edit_of_hidden_details_leaves_the_feed_as_it_was(client, campaign, organizer):
    # A hidden meeting point moved on the morning of the day: someone polling the feed must
    # not see that anything changed (its stamps came from updated_at, and so its ETag).
    event = make_event(campaign=campaign, organizer=organizer, hide_exact_location=True)
    first = client.get("/events/calendar.ics")
    event.refresh_from_db()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        event.meeting_point, event.address = "The back door", "Another street 5"
        event.save()
        Event.objects.filter(pk=event.pk).update(updated_at=timezone.now())
        mapdata.forget()  # what the save's commit does
        again = client.get("/events/calendar.ics")
    assert again.content == first.content and again["ETag"] == first["ETag"]


def test_a_public_edit_moves_the_entrys_stamps_and_sequence_forward(client, campaign, organizer):
    event = make_event(campaign=campaign, organizer=organizer)
    before = entries(feed(client))[url(event)]
    later = timezone.now() + datetime.timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        event.refresh_from_db()
        event.title = "Moved to the square"
        event.save()
        mapdata.forget()  # what the save's commit does
        after = entries(feed(client))[url(event)]
    assert str(after["SUMMARY"]) == "Moved to the square"
    assert after.decoded("LAST-MODIFIED") == later.replace(microsecond=0)
    assert after.decoded("DTSTAMP") == after.decoded("LAST-MODIFIED")
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_saving_an_event_read_before_the_feed_stamped_it_leaves_the_stamp(
    client, campaign, organizer
):
    event = make_event(campaign=campaign, organizer=organizer, hide_exact_location=True)
    feed(client)  # the first look takes the digest
    event.refresh_from_db()
    event.title = "Moved to the square"
    event.save()
    stale = Event.objects.get(pk=event.pk)  # a staff edit's form, say, opened now
    mapdata.forget()
    stamped = client.get("/events/calendar.ics")  # stamps the public change
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        stale.address = "Another street 5"  # hidden: the feed must not move
        stale.save()
        mapdata.forget()
        again = client.get("/events/calendar.ics")
    assert again.content == stamped.content
