"""A country staff mark high-risk after its events were approved: they leave every public page.

SPEC: "Countries that staff mark high-risk get no public events". The form refuses new ones;
these tests cover events that were already approved (or waiting) when the list changed.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from allout.models import HighRiskCountry
from events import attendance_links as links
from events import errors
from events.finder import mapdata
from events.models import CoHost, Event
from events.services import moderation, registration
from tests.conftest import make_user
from tests.events.factories import make_attendance, make_event

pytestmark = pytest.mark.django_db

TBILISI = {"lat": 41.6938, "lng": 44.8015, "city": "Tbilisi", "country": "GE"}


def test_events_leave_every_public_page_when_their_country_becomes_high_risk(client):
    event = make_event(title="Tbilisi rally", slug="tbilisi-rally", **TBILISI)
    assert client.get("/events/tbilisi-rally/").status_code == 200
    assert b"tbilisi-rally" in client.get("/events/map.geojson").content

    HighRiskCountry.objects.create(country="GE")

    assert client.get("/events/tbilisi-rally/").status_code == 404
    assert client.get("/events/tbilisi-rally/calendar.ics").status_code == 404
    assert client.get("/events/tbilisi-rally/contact/").status_code == 404
    assert b"tbilisi-rally" not in client.get("/events/map.geojson").content
    assert b"tbilisi-rally" not in client.get("/events/", {"date": "all"}).content
    nearby = client.get("/events/nearby.json", {"lat": TBILISI["lat"], "lng": TBILISI["lng"]})
    assert nearby.json()["count"] == 0
    assert not Event.objects.public().filter(pk=event.pk).exists()


def test_a_logged_in_visitor_gets_no_more_than_the_public(client):
    """Any account (anyone can make one) sees what the public sees: no page, no sign-up,
    and so no confirmation that would hand over a hidden meeting point."""
    event = make_event(slug="tbilisi-rally", hide_exact_location=True, **TBILISI)
    HighRiskCountry.objects.create(country="GE")
    client.force_login(make_user("curious@example.org"))
    assert client.get("/events/tbilisi-rally/").status_code == 404
    assert client.get("/events/tbilisi-rally/rsvp/").status_code == 404
    form = {"first_name": "Ivan", "email": "ivan@example.org", "consent_organizer": "on"}
    assert client.post("/events/tbilisi-rally/rsvp/", form).status_code == 404
    assert client.post("/events/tbilisi-rally/", form).status_code == 404
    assert not event.attendances.exists()


def test_its_co_hosts_still_see_it_as_its_organizer_does(client):
    event = make_event(slug="tbilisi-rally", **TBILISI)
    cohost = make_user("cohost@example.org")
    CoHost.objects.create(event=event, email=cohost.email, user=cohost, accepted_at=timezone.now())
    HighRiskCountry.objects.create(country="GE")
    client.force_login(cohost)
    assert client.get("/events/tbilisi-rally/").status_code == 200


def test_a_sign_up_taken_before_the_country_became_high_risk_cannot_be_confirmed(client):
    event = make_event(slug="tbilisi-rally", hide_exact_location=True, **TBILISI)
    attendance = make_attendance(event)
    HighRiskCountry.objects.create(country="GE")
    response = client.post(links.path(attendance, links.Purpose.CONFIRM))
    assert response.status_code == 409
    attendance.refresh_from_db()
    assert not attendance.is_confirmed()
    assert event.meeting_point not in response.content.decode()


def test_participants_confirmed_before_keep_their_page_and_hear_of_changes(client):
    """Not public, so not taken away: those already going keep the place and its news."""
    event = make_event(slug="tbilisi-rally", hide_exact_location=True, **TBILISI)
    attendance = make_attendance(event, status="confirmed")
    HighRiskCountry.objects.create(country="GE")
    html = client.get(links.path(attendance, links.Purpose.VIEW)).content.decode()
    assert event.meeting_point in html
    before = Event.objects.get(pk=event.pk)
    event.starts_at += datetime.timedelta(hours=1)
    event.ends_at += datetime.timedelta(hours=1)
    assert registration.notify_change(before, event).notified == 1


def test_the_organizer_still_sees_their_event_in_a_newly_high_risk_country(client):
    event = make_event(slug="tbilisi-rally", **TBILISI)
    HighRiskCountry.objects.create(country="GE")
    client.force_login(event.organizer)
    assert client.get("/events/tbilisi-rally/").status_code == 200


def test_moderators_cannot_approve_an_event_in_a_high_risk_country(staff_user):
    event = make_event(status=Event.Status.PENDING, **TBILISI)
    HighRiskCountry.objects.create(country="GE")
    with pytest.raises(errors.HighRiskPlace):
        moderation.approve_event(event, staff_user)
    event.refresh_from_db()
    assert event.status == Event.Status.PENDING


def test_changing_the_high_risk_list_drops_the_cached_map_once_it_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        HighRiskCountry.objects.create(country="GE")
    assert mapdata.forget in callbacks
