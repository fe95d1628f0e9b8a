"""Organizers change their events; nobody else can."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.gis.geos import Point

from events import errors
from events.models import Event
from events.services import registration
from tests.conftest import make_user
from tests.events.factories import form_data, make_event
from tests.outbox import rendered

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(campaign, organizer) -> Event:
    return make_event(
        campaign=campaign, organizer=organizer, status=Event.Status.PENDING, slug="london-vigil"
    )


def test_the_organizer_edits_a_pending_event_in_local_time(client, organizer, event):
    client.force_login(organizer)
    page = client.get("/events/london-vigil/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["start_time"] == datetime.time(14, 0)
    assert form.initial["latitude"] == pytest.approx(51.50846)
    assert "accept_guidelines" not in form.fields

    response = client.post(
        "/events/london-vigil/edit/", form_data(title="A new title", start_time="15:00")
    )
    assert response.status_code == 302 and response["Location"] == "/events/london-vigil/"
    event.refresh_from_db()
    assert event.title == "A new title" and event.slug == "london-vigil"
    assert event.local_starts_at().strftime("%H:%M") == "15:00"
    assert event.status == Event.Status.PENDING


def test_the_organizer_edits_an_approved_event_and_it_stays_public(client, organizer, campaign):
    make_event(campaign=campaign, organizer=organizer, slug="approved")
    client.force_login(organizer)
    assert client.post("/events/approved/edit/", form_data()).status_code == 302
    assert Event.objects.get().is_public()


@pytest.mark.parametrize("who", ["another organizer", "a stranger", "a moderator"])
def test_nobody_but_the_organizer_may_edit(client, event, campaign, staff_user, who):
    if who == "another organizer":
        other = make_user("other@example.org")
        make_event(campaign=campaign, organizer=other, slug="their-own")
    elif who == "a stranger":
        other = make_user("stranger@example.org")
    else:
        other = staff_user  # moderators use the admin
    client.force_login(other)
    assert client.get("/events/london-vigil/edit/").status_code == 404
    assert client.post("/events/london-vigil/edit/", form_data(title="Hijacked")).status_code == 404
    event.refresh_from_db()
    assert event.title == "Solidarity protest"


def test_an_anonymous_visitor_must_log_in_to_edit(client, event):
    response = client.get("/events/london-vigil/edit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_rejected_event_cannot_be_edited(client, organizer, campaign):
    make_event(campaign=campaign, organizer=organizer, slug="refused", status=Event.Status.REJECTED)
    client.force_login(organizer)
    response = client.post("/events/refused/edit/", form_data(title="Try again"), follow=True)
    assert response.redirect_chain == [("/events/refused/", 302)]
    assert "This event can no longer be changed." in response.content.decode()
    assert Event.objects.get().title == "Solidarity protest"


def _details(event: Event, **changes) -> registration.EventDetails:
    values = {
        field: getattr(event, field)
        for field in registration.EventDetails.__dataclass_fields__
        if field != "country"
    }
    values["country"] = event.country.code
    values.update(changes)
    return registration.EventDetails(**values)


def test_an_edit_says_whether_time_or_place_changed(event, organizer):
    same = registration.update_event(event, organizer, _details(event, description="Updated."))
    assert (same.rescheduled, same.moved) == (False, False)

    later = event.starts_at + datetime.timedelta(hours=1)
    change = registration.update_event(event, organizer, _details(event, starts_at=later))
    assert (change.rescheduled, change.moved) == (True, False)

    event = change.event
    elsewhere = Point(-0.1, 51.5, srid=4326)
    change = registration.update_event(event, organizer, _details(event, point=elsewhere))
    assert (change.rescheduled, change.moved) == (False, True)
    assert change.notified == 0  # pending: nobody is going yet


def test_participants_of_an_approved_event_must_hear_of_a_new_meeting_point(campaign, organizer):
    event = make_event(campaign=campaign, organizer=organizer)
    change = registration.update_event(
        event, organizer, _details(event, meeting_point="By the lions")
    )
    assert change.moved and change.changed == {"meeting_point"}


def test_a_moved_event_gets_a_new_time_zone_and_approximate_point(event, organizer):
    old_approximate = event.approximate_point
    new_york = Point(-74.00246, 40.73366, srid=4326)
    change = registration.update_event(event, organizer, _details(event, point=new_york))
    assert change.event.timezone == "America/New_York"
    assert not change.event.approximate_point.equals_exact(old_approximate, 1e-9)


def test_the_service_refuses_an_edit_by_someone_else(event):
    with pytest.raises(errors.NotAllowed):
        registration.update_event(event, make_user("x@example.org"), _details(event))


def test_a_new_time_for_an_approved_event_is_emailed_to_its_confirmed_participants(
    client, organizer, campaign
):
    from events.models import Attendance
    from tests.events.factories import make_attendance

    event = make_event(campaign=campaign, organizer=organizer, slug="approved")
    going = make_attendance(event, status=Attendance.Status.CONFIRMED)
    make_attendance(event)  # unconfirmed: hears nothing of the change
    client.force_login(organizer)
    response = client.post("/events/approved/edit/", form_data(start_time="15:00"))
    assert response.status_code == 302
    (row,) = rendered().filter(kind="event_changed")
    assert row.to == going.email
    assert "15:00" in row.body_text
    client.post("/events/approved/edit/", form_data(start_time="15:00", title="Same time"))
    assert rendered().filter(kind="event_changed").count() == 1
