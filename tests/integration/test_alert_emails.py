"""Protest alerts end to end: outbox → Redis → a real worker → the SMTP sink."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from events.models import ProtestAlert
from events.tasks import send_protest_alerts
from tests.events.factories import make_campaign, make_event

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def link(message, marker: str) -> str:
    url = next(u for u in re.findall(r"https?://\S+", text_of(message)) if marker in u)
    return "/" + url.split("/", 3)[3]


def test_asking_confirming_and_hearing_of_an_approved_event_through_the_worker(
    client, celery_worker, mailbox
):
    campaign = make_campaign()
    client.post(
        "/events/alerts/",
        {"place": "London", "radius_km": "50", "first_name": "Sam", "email": "sam@example.org"},
    )
    (request,) = mailbox.wait_for(lambda msgs: len(msgs) == 1)
    assert request["Subject"] == "Please confirm: protests near London, United Kingdom"
    client.post(link(request, "/confirm/"))
    assert ProtestAlert.objects.get().is_confirmed()

    event = make_event(
        campaign=campaign,
        title="Hyde Park vigil",
        approved_at=timezone.now(),
        hide_exact_location=True,
        meeting_point="Behind the blue kiosk",
    )
    make_event(campaign=campaign, place="new-york", approved_at=timezone.now())  # too far
    send_protest_alerts.delay()  # as beat does (no result backend: the sink is the answer)
    messages = mailbox.wait_for(lambda msgs: len(msgs) == 2)
    alert = messages[1]
    assert alert["To"] == "sam@example.org"
    assert alert["Subject"] == "A protest near London, United Kingdom"
    body = text_of(alert)
    assert "Hyde Park vigil" in body and event.get_absolute_url() in body
    assert "Behind the blue kiosk" not in body and "London, United Kingdom" in body
    assert "/my-data/" in body
    unsubscribe = link(alert, "/unsubscribe/")
    assert alert["List-Unsubscribe"].strip() == f"<http://127.0.0.1:8000{unsubscribe}>"

    # The next sweep sends nothing more; the one-click POST stops the alert.
    assert send_protest_alerts() == 0
    response = Client(enforce_csrf_checks=True).post(unsubscribe)
    assert response.status_code == 200
    assert not ProtestAlert.objects.exists()
