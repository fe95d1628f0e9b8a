"""A country staff mark high-risk after its events were approved: they leave every public page.

SPEC: "Countries that staff mark high-risk get no public events". The form refuses new ones;
these tests cover events that were already approved (or waiting) when the list changed.
"""

from __future__ import annotations

import pytest

from allout.models import HighRiskCountry
from events import errors
from events.finder import mapdata
from events.models import Event
from events.services import moderation
from tests.events.factories import make_event

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
