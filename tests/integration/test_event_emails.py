"""Event emails end to end: a moderator's action → outbox → real worker → SMTP sink."""

from __future__ import annotations

import pytest

from events.models import Event
from tests.events.factories import make_event, make_organizer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_rejection_reason_reaches_the_organizers_mailbox(
    celery_worker, mailbox, client, staff_user
):
    organizer = make_organizer(email="organizer@example.org")
    event = make_event(organizer=organizer, status=Event.Status.PENDING, title="Our vigil")
    reason = "Please meet in a public square rather than a private courtyard."

    client.force_login(staff_user)
    response = client.post(
        "/admin/events/event/moderate/reject/", {"ids": [event.pk], "reason": reason}
    )

    assert response.status_code == 302
    (message,) = mailbox.wait_for(lambda messages: len(messages) == 1)
    assert message["To"] == "organizer@example.org"
    assert message["Subject"] == "Your event was not approved: Our vigil"
    assert reason in message.get_body(("plain",)).get_content()
    assert reason in message.get_body(("html",)).get_content()
    assert message["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/my-data/")
