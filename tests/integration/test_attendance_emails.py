"""Taking part end to end: emails travel outbox → Redis → a real worker → the SMTP sink."""

import datetime
import re

import pytest
from django.utils import timezone

from allout.models import OutboxEmail
from events.tasks import send_reminders
from tests.events.factories import make_attendance, make_event
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def link(message, marker: str) -> str:
    url = next(u for u in re.findall(r"https?://\S+", text_of(message)) if marker in u)
    return "/" + url.split("/", 3)[3]


def test_signing_up_and_confirming_by_email_through_the_worker(client, celery_worker, mailbox):
    event = make_event(hide_exact_location=True, meeting_point="Behind the blue kiosk")
    client.post(
        f"/events/{event.slug}/rsvp/", {"first_name": "Masha", "email": "masha@example.org"}
    )
    (request,) = mailbox.wait_for(lambda msgs: len(msgs) == 1)
    assert request["To"] == "masha@example.org"
    assert request["Subject"] == f"Please confirm: {event.title}"
    assert "Behind the blue kiosk" not in text_of(request)
    cancel_path = link(request, "/cancel/")
    assert request["List-Unsubscribe"].strip() == f"<http://127.0.0.1:8000{cancel_path}>"

    client.post(link(request, "/confirm/"))
    messages = mailbox.wait_for(lambda msgs: len(msgs) == 2)
    confirmed = messages[1]
    assert confirmed["Subject"] == f"You are going: {event.title}"
    assert "Behind the blue kiosk" in text_of(confirmed)
    assert "/my-data/" in text_of(confirmed)
    event.refresh_from_db()
    assert event.participant_count == 1


def test_the_beat_task_sends_the_day_before_reminder_once(celery_worker, mailbox):
    event = make_event(starts_at=timezone.now() + datetime.timedelta(hours=20))
    attendance = make_attendance(event, email="reminded@example.org", status="confirmed")
    send_reminders.delay()
    (reminder,) = mailbox.wait_for(lambda msgs: len(msgs) >= 1)
    assert reminder["Subject"] == f"Tomorrow: {event.title}"
    assert reminder["To"] == "reminded@example.org"
    assert "/cancel/" in reminder["List-Unsubscribe"]
    attendance.refresh_from_db()
    assert attendance.reminded_day_before_for == event.starts_at
    assert send_reminders() == 0  # the next sweep finds nothing left to send


def test_the_relay_reaches_the_organizer_with_the_sender_as_reply_to(
    client, celery_worker, mailbox
):
    event = make_event()
    client.post(
        f"/events/{event.slug}/contact/",
        {"name": "Kim", "email": "kim@example.org", "message": "Can I bring a drum?"},
    )
    messages = mailbox.wait_for(lambda msgs: len(msgs) == 2)
    (message,) = [m for m in messages if m["To"] == event.organizer.email]
    assert message["Reply-To"] == "kim@example.org"
    assert "Can I bring a drum?" in text_of(message)
    (receipt,) = [m for m in messages if m["To"] == "kim@example.org"]
    assert "/my-data/" in text_of(receipt) and "Can I bring a drum?" not in text_of(receipt)
    # Gone once sent (the worker blanks the row just after the server accepts it).
    wait_until(lambda: OutboxEmail.objects.get(kind="contact_relay").body_text == "")
    assert OutboxEmail.objects.get(kind="contact_relay").reply_to == ""
