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


def test_a_cohost_invitation_reaches_the_invitees_mailbox_and_its_link_accepts(
    celery_worker, mailbox, client
):
    import re

    organizer = make_organizer(email="organizer@example.org")
    friend = make_organizer(email="friend@example.org")
    event = make_event(organizer=organizer, title="Our vigil")
    client.force_login(organizer)
    client.post(f"/events/mine/{event.slug}/cohosts/", {"email": "friend@example.org"})

    messages = mailbox.wait_for(lambda messages: len(messages) == 2)
    (invitation,) = [m for m in messages if m["To"] == "friend@example.org"]
    assert invitation["Subject"] == "An invitation to co-host: Our vigil"
    body = invitation.get_body(("plain",)).get_content()
    (path,) = re.findall(r"http://127\.0\.0\.1:8000(/events/cohosting/[^/\s]+/)", body)
    client.force_login(friend)
    assert client.post(path).status_code == 302
    assert client.get(f"/events/mine/{event.slug}/").status_code == 200
