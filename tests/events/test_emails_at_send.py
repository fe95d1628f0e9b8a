"""The worker writes an email's bodies from the rows as they are when it leaves (allout.mail
render): what changed since it was queued decides whether it still goes.

An email carrying the exact meeting point goes only to a participant still confirmed, of an
event still approved; a confirmation request only while there is something to confirm; no
email to an address staff blocked since; a digest of new events without those deleted since.
"""

from __future__ import annotations

import pytest

from allout.models import BlockedAddress, OutboxEmail
from events import emails
from events.models import Attendance, Event
from events.services import moderation
from tests.events.factories import make_attendance, make_event
from tests.outbox import rendered

pytestmark = pytest.mark.django_db

SECRET = "Behind the blue kiosk"


def hidden_event() -> Event:
    return make_event(hide_exact_location=True, meeting_point=SECRET)


def given_up(row: OutboxEmail) -> str:
    row.refresh_from_db()
    assert row.failed_at is not None and row.context is None and row.body_text == ""
    return row.last_error


def test_a_reminder_to_a_participant_who_cancelled_meanwhile_is_not_sent():
    attendance = make_attendance(hidden_event(), status=Attendance.Status.CONFIRMED)
    emails.attendance_reminder(attendance, "day_before")
    Attendance.objects.filter(pk=attendance.pk).update(status=Attendance.Status.CANCELLED)
    (row,) = rendered()
    assert "cancelled" in given_up(row)


@pytest.mark.parametrize("status", [Event.Status.PENDING, Event.Status.CANCELLED])
def test_the_meeting_point_does_not_go_out_for_an_event_taken_down_meanwhile(status):
    event = hidden_event()
    attendance = make_attendance(event, status=Attendance.Status.CONFIRMED)
    emails.attendance_confirmed(attendance)
    Event.objects.filter(pk=event.pk).update(status=status)
    (row,) = rendered()
    assert "taken down" in given_up(row)


def test_a_confirmation_request_is_not_sent_once_the_sign_up_was_confirmed_or_cancelled():
    event = make_event()
    confirmed, cancelled = make_attendance(event), make_attendance(event)
    emails.attendance_confirm(confirmed)
    emails.attendance_confirm(cancelled)
    Attendance.objects.filter(pk=confirmed.pk).update(status=Attendance.Status.CONFIRMED)
    Attendance.objects.filter(pk=cancelled.pk).update(status=Attendance.Status.CANCELLED)
    rows = list(rendered())
    assert len(rows) == 2 and all("meanwhile" in given_up(row) for row in rows)


def test_what_is_still_due_goes_out_as_before():
    attendance = make_attendance(hidden_event(), status=Attendance.Status.CONFIRMED)
    emails.attendance_reminder(attendance, "day_before")
    (row,) = rendered()
    assert SECRET in row.body_text and row.failed_at is None


def test_no_email_goes_to_an_address_staff_blocked_after_it_was_written():
    attendance = make_attendance(make_event(), status=Attendance.Status.CONFIRMED)
    emails.attendance_reminder(attendance, "day_before")
    BlockedAddress.objects.create(kind=BlockedAddress.Kind.ADDRESS, value=attendance.email)
    (row,) = rendered()
    assert "blocked" in given_up(row)


def test_the_moderators_digest_goes_without_an_event_deleted_meanwhile(staff_user):
    kept = make_event(status=Event.Status.PENDING, title="Kept protest")
    dropped = make_event(status=Event.Status.PENDING, title="Dropped protest")
    assert moderation.alert_moderators() == 2
    dropped.delete()
    row = rendered().get(to=staff_user.email)
    assert row.failed_at is None
    assert kept.title in row.body_text and dropped.title not in row.body_text
