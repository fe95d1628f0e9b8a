"""Email subjects are plain text: an organizer's "&" or quote reaches the inbox as typed."""

from __future__ import annotations

import pytest

from allout.models import OutboxEmail
from events import emails
from events.models import Attendance
from events.services import organizer as organizer_tools
from events.services import rsvp
from tests.events.factories import make_attendance, make_event

pytestmark = pytest.mark.django_db

TITLE = 'Pride & "Joy" <together>'


def test_participant_email_subjects_are_not_html_escaped():
    event = make_event(title=TITLE)
    attendance = make_attendance(event)
    emails.attendance_confirm(attendance)
    rsvp.confirm(attendance)
    emails.attendance_reminder(attendance, "day_before")
    emails.event_changed(attendance, time_changed=True, place_changed=False)
    message = organizer_tools.message_participants(
        event, event.organizer, subject="Bring 'flags' & water", body="See you."
    )
    emails.contact_relay(event, name="O'Brien & co", email="a@example.org", message="Hi")
    organizer_tools.cancel_event(event, event.organizer)
    subjects = list(OutboxEmail.objects.values_list("kind", "subject"))
    assert {kind for kind, _ in subjects} >= {
        "attendance_confirm", "attendance_confirmed", "attendance_reminder", "event_changed",
        "organizer_message", "contact_relay", "event_cancelled",
    }  # fmt: skip
    for kind, subject in subjects:
        assert "&amp;" not in subject and "&quot;" not in subject and "&#x27;" not in subject, kind
    assert f"{TITLE}: Bring 'flags' & water" in dict(subjects)["organizer_message"]
    assert message.recipients == 1
    assert Attendance.objects.get().status == Attendance.Status.CONFIRMED
