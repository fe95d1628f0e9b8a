"""A cancelled event's address still answers: flyers and posts outlive the event."""

from __future__ import annotations

import pytest
from django.utils import timezone

from events import attendance_links as links
from events.models import Event
from events.services import moderation
from events.services import organizer as organizer_tools
from tests.events.factories import make_attendance, make_event

pytestmark = pytest.mark.django_db

NOTE = "Storm warning: we meet again next Saturday."


@pytest.fixture
def cancelled(organizer) -> Event:
    """A public event with a hidden meeting point and two participants, then cancelled."""
    event = make_event(
        organizer=organizer,
        title="Vigil by the river",
        hide_exact_location=True,
        meeting_point="Behind the blue kiosk",
        address="12 Hidden Lane",
        approved_at=timezone.now(),
    )
    make_attendance(event, first_name="Masha", email="masha@example.org", status="confirmed")
    make_attendance(event, first_name="Lev", email="lev@example.org")
    organizer_tools.cancel_event(event, organizer, note=NOTE)
    event.refresh_from_db()
    return event


def test_the_public_address_of_a_cancelled_event_says_it_is_cancelled_with_the_note(
    client, cancelled
):
    response = client.get(cancelled.get_absolute_url())
    assert response.status_code == 410
    html = response.content.decode()
    assert "This event was cancelled." in html and "Vigil by the river" in html
    assert NOTE in html
    assert cancelled.cancellation_note == NOTE


def test_a_cancelled_events_page_shows_no_participant_no_form_and_no_hidden_point(
    client, cancelled
):
    html = client.get(cancelled.get_absolute_url()).content.decode()
    for secret in ["Masha", "masha@example.org", "Lev", "Behind the blue kiosk", "12 Hidden Lane"]:
        assert secret not in html
    for point in (cancelled.point, cancelled.public_point):
        assert f"{point.y:.4f}" not in html and f"{point.x:.4f}" not in html
    assert "<form" not in html.split("<main", 1)[1]
    assert "Sign up to attend" not in html and "going" not in html


def test_a_sign_up_posted_to_a_cancelled_event_gets_the_cancelled_page(client, cancelled):
    response = client.post(
        cancelled.get_absolute_url(), {"first_name": "Late", "email": "late@example.org"}
    )
    assert response.status_code == 410
    assert cancelled.attendances.filter(email="late@example.org").count() == 0


def test_an_event_cancelled_before_it_was_ever_public_stays_not_found(client, organizer):
    event = make_event(organizer=organizer, status=Event.Status.PENDING)
    organizer_tools.cancel_event(event, organizer, note=NOTE)
    assert client.get(event.get_absolute_url()).status_code == 404


def test_an_event_staff_unpublished_stays_not_found_once_its_organizer_cancels_it(
    client, organizer, staff_user
):
    event = make_event(organizer=organizer, title="Taken down", approved_at=timezone.now())
    moderation.unpublish_event(event, staff_user, "Looks like a trap.")
    organizer_tools.cancel_event(event, organizer, note="Meet at 5 Other Street instead.")
    response = client.get(event.get_absolute_url())
    assert response.status_code == 404
    assert "Other Street" not in response.content.decode()


def test_an_event_approved_again_after_unpublishing_says_it_is_cancelled(
    client, organizer, staff_user
):
    event = make_event(organizer=organizer, approved_at=timezone.now())
    moderation.unpublish_event(event, staff_user, "Check the place.")
    moderation.approve_event(event, staff_user)
    organizer_tools.cancel_event(event, organizer, note=NOTE)
    assert client.get(event.get_absolute_url()).status_code == 410


def test_a_cancelled_event_in_a_high_risk_country_stays_not_found(client, organizer, high_risk):
    event = make_event(organizer=organizer, place="moscow", approved_at=timezone.now())
    organizer_tools.cancel_event(event, organizer)
    assert client.get(event.get_absolute_url()).status_code == 404


def test_the_organizer_still_sees_the_whole_page_of_their_cancelled_event(client, cancelled):
    client.force_login(cancelled.organizer)
    response = client.get(cancelled.get_absolute_url())
    assert response.status_code == 200
    assert "Behind the blue kiosk" in response.content.decode()


def test_the_participants_page_of_a_cancelled_event_does_not_say_they_are_going(client, cancelled):
    attendance = cancelled.attendances.get(first_name="Masha")
    html = client.get(links.path(attendance, links.Purpose.VIEW)).content.decode()
    assert "The organizer cancelled this event." in html and NOTE in html
    assert "You are going" not in html
    assert "I can't come" not in html


def test_the_confirm_link_of_a_cancelled_event_says_so_and_offers_no_button(client, organizer):
    event = make_event(organizer=organizer)
    waiting = make_attendance(event)
    organizer_tools.cancel_event(event, organizer)
    response = client.get(links.path(waiting, links.Purpose.CONFIRM))
    html = response.content.decode()
    assert "This event was cancelled by its organizer" in html
    assert '<button type="submit">' not in html
