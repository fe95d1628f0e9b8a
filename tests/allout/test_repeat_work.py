"""A signature or a sign-up takes the same work whether its address is new or known, in
whatever state (SPEC: "the same page, status and (within noise) time either way"): the same
statements, in the same order, with the same SQL. What a repeat changes and sends is the
worker's (allout.mail.deferred). The suite asserts no times; bench/signing_timing.py
measures them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from allout import privacy
from allout.models import OutboxEmail
from events.finder import places
from events.models import Attendance, ProtestAlert
from events.services.alerts import place_key
from tests.events.factories import make_alert, make_attendance, make_campaign, make_event
from tests.outbox import decided, rendered
from tests.petitions.conftest import make_petition, make_signature, sign_form

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(hours=2)  # past the hourly resend
PORTO_ALEGRE = places.search("Porto Alegre")[0]


@contextmanager
def statements():
    """The SQL of every statement run in the block, as written, before its parameters."""
    sql: list[str] = []

    def record(execute, statement, parameters, many, context):
        sql.append(statement)
        return execute(statement, parameters, many, context)

    with connection.execute_wrapper(record):
        yield sql


def work(post: Callable[[str], int], email: str) -> list[str]:
    with statements() as sql:
        assert post(email) == 302
    return sql


def test_signing_a_known_address_runs_the_statements_a_new_one_does():
    petition = make_petition()
    recently = timezone.now()
    make_signature(petition, email="pending@example.org", last_emailed_at=LONG_AGO)
    make_signature(petition, email="pending.now@example.org", last_emailed_at=recently)
    make_signature(petition, email="signed@example.org", confirmed=True, last_emailed_at=LONG_AGO)
    make_signature(
        petition, email="signed.now@example.org", confirmed=True, last_emailed_at=recently
    )

    def post(email: str) -> int:
        response = Client().post(f"/petitions/{petition.slug}/sign/", sign_form(email=email))
        return response.status_code

    post("warm.up@example.org")  # the petition, the lists and a block of ids, cached
    new = work(post, "new@example.org")
    assert len(new) == 1 and new[0].startswith("WITH new_row AS (INSERT INTO")
    for known in ["pending", "pending.now", "signed", "signed.now", "PENDING"]:
        assert work(post, f"{known}@example.org") == new, known


def test_signing_up_with_a_known_address_runs_the_statements_a_new_one_does():
    event = make_event()
    make_attendance(event, email="pending@example.org", confirmation_sent_at=LONG_AGO)
    make_attendance(event, email="pending.now@example.org", confirmation_sent_at=timezone.now())
    make_attendance(event, email="going@example.org", status=Attendance.Status.CONFIRMED)
    make_attendance(event, email="gone@example.org", status=Attendance.Status.CANCELLED)

    def post(email: str) -> int:
        form = {"first_name": "Masha", "email": email, "consent_organizer": "on"}
        return Client().post(f"/events/{event.slug}/rsvp/", form).status_code

    post("warm.up@example.org")
    new = work(post, "new@example.org")
    assert len(new) == 1 and new[0].startswith("WITH new_row AS (INSERT INTO")
    for known in ["pending", "pending.now", "going", "gone"]:
        assert work(post, f"{known}@example.org") == new, known


def test_asking_for_an_alert_with_a_known_address_runs_the_statements_a_new_one_does():
    campaign = make_campaign()
    for email, status, sent in [
        ("pending", ProtestAlert.Status.UNCONFIRMED, LONG_AGO),
        ("pending.now", ProtestAlert.Status.UNCONFIRMED, timezone.now()),
        ("going", ProtestAlert.Status.CONFIRMED, LONG_AGO),
    ]:
        make_alert(
            campaign,
            email=f"{email}@example.org",
            status=status,
            confirmation_sent_at=sent,
            place_key=place_key(PORTO_ALEGRE),
        )

    def post(email: str) -> int:
        form = {"place": "Porto Alegre", "radius_km": "100", "first_name": "Eve", "email": email}
        return Client().post("/events/alerts/", form).status_code

    post("warm.up@example.org")
    new = work(post, "new@example.org")
    assert new[-1].startswith("WITH new_row AS (INSERT INTO")
    for known in ["pending", "pending.now", "going", "PENDING"]:
        assert work(post, f"{known}@example.org") == new, known
    assert decided() == 4  # and the worker does what each asks
    going = ProtestAlert.objects.get(email_normalized="going@example.org")
    assert (going.radius_km, going.first_name) == (50, going.first_name)  # never moved
    assert going.first_name != "Eve"
    assert ProtestAlert.objects.get(email_normalized="pending@example.org").radius_km == 100


def test_the_worker_then_does_what_each_repeat_asks():
    petition = make_petition()
    make_signature(petition, email="pending@example.org", last_emailed_at=LONG_AGO)
    make_signature(petition, email="signed@example.org", confirmed=True, last_emailed_at=LONG_AGO)
    make_signature(
        petition, email="signed.now@example.org", confirmed=True, last_emailed_at=timezone.now()
    )
    for email in ["pending@example.org", "signed@example.org", "signed.now@example.org"]:
        Client().post(f"/petitions/{petition.slug}/sign/", sign_form(email=email))
    # Until the worker takes them, the repeats are decisions waiting, not emails.
    assert set(OutboxEmail.objects.values_list("kind", flat=True)) == {"petition_repeat"}
    assert decided() == 3
    sent = dict(rendered().values_list("to", "kind"))
    assert sent == {
        "pending@example.org": "petition_confirm",
        "signed@example.org": "petition_already_signed",
    }  # and the one emailed a moment ago is not emailed again


def test_a_repeat_waiting_for_the_worker_goes_with_its_address_erased():
    petition = make_petition()
    make_signature(petition, email="pending@example.org", last_emailed_at=LONG_AGO)
    Client().post(f"/petitions/{petition.slug}/sign/", sign_form(email="Pending@Example.org"))
    assert OutboxEmail.objects.filter(kind="petition_repeat").exists()
    # Not an email: the data page does not list it ...
    assert privacy.collect("pending@example.org")["emails"] == []
    # ... but deleting the address's data takes it, with the details it carries.
    privacy.erase("pending@example.org")
    assert not OutboxEmail.objects.exists()
    assert decided() == 0
