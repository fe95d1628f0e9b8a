"""The outbox relay (manage.py outbox_relay) between a signature and its email: the request
stores the row, the relay publishes it when the transaction commits, the worker sends it.
No beat runs in the tests: what the relay does not publish waits for the sweeper."""

import time
from datetime import timedelta

import pytest

from allout import mail
from allout.models import OutboxEmail
from tests.petitions.conftest import make_petition, sign_form

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def sign(client, email: str) -> None:
    petition = make_petition()
    response = client.post(f"/petitions/{petition.slug}/sign/", sign_form(email=email))
    assert response.status_code == 302


def test_a_signatures_email_goes_through_the_relay_to_the_worker_and_out(
    client, celery_worker, mailbox
):
    sign(client, "relayed@example.org")
    (message,) = mailbox.wait_for(lambda messages: len(messages) == 1)
    assert message["To"] == "relayed@example.org"
    row = OutboxEmail.objects.get()
    assert row.published_at is not None  # by the relay: no beat runs here


def test_with_the_relay_down_the_sweeper_still_sends_the_email(
    client, celery_worker, outbox_relay, mailbox
):
    outbox_relay.stop()
    try:
        sign(client, "swept@example.org")
        row = OutboxEmail.objects.get()
        assert row.published_at is None  # nobody published it: the request does not
        assert mail.requeue_unsent(older_than=timedelta(0)) == 1  # as beat would
        (message,) = mailbox.wait_for(lambda messages: len(messages) == 1)
        assert message["To"] == "swept@example.org"
    finally:
        outbox_relay.start()


def test_a_broker_down_at_signing_time_loses_nothing(client, celery_worker, outbox_relay, mailbox):
    outbox_relay.stop()
    outbox_relay.start(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    try:
        sign(client, "kept@example.org")
        row = OutboxEmail.objects.get()
        time.sleep(2)  # the relay's sweeps find the row and fail to publish it
        row.refresh_from_db()
        assert row.published_at is None and row.sent_at is None
    finally:
        outbox_relay.stop()
        outbox_relay.start()
    # The broker is back: the relay's first sweep publishes what waited, and it is sent.
    (message,) = mailbox.wait_for(lambda messages: len(messages) == 1)
    assert message["To"] == "kept@example.org"
