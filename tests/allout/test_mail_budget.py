"""The mail budget: nobody can use the platform's forms to bomb someone's mailbox.

Each test drives the real forms (allauth's sign-up and password reset, the RSVP and the
petition) with allauth's own rate limits and the platform's per-source limits switched off,
as for an attacker with many sources and some patience: the budget alone must hold.
"""

from __future__ import annotations

import datetime
import logging

import pytest
import time_machine
from django.test import Client

from allout import mail
from allout.models import OutboxEmail
from allout.ratelimit import hashed
from events.services import organizer as organizing
from events.services import reminders
from events.services import rsvp as signups
from petitions import services as petition_services
from petitions.models import Signature
from tests.concurrency import run_concurrently
from tests.events.factories import make_attendance, make_event
from tests.petitions.conftest import make_petition

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-123"


@pytest.fixture(autouse=True)
def _no_per_source_limits(settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = False
    settings.RATELIMIT_ENABLED = False
    settings.MAIL_BUDGET_PER_DAY = 6


def emails_to(canonical: str) -> int:
    return OutboxEmail.objects.filter(to_canonical=canonical).count()


def test_twenty_sign_ups_for_one_inbox_in_a_minute_queue_at_most_six_emails(client):
    # Gmail ignores dots and +tags: twenty accounts, one inbox.
    spellings = [f"victim+{n}@gmail.com" for n in range(10)] + [
        f"vic.tim+{n}@gmail.com" for n in range(10)
    ]
    for address in spellings:
        response = Client().post(
            "/accounts/signup/", {"email": address, "password1": PASSWORD, "password2": PASSWORD}
        )
        # The person signing up sees the same answer whether or not an email left.
        assert response.status_code == 302
        assert response["Location"] == "/accounts/confirm-email/"
    assert emails_to("victim@gmail.com") == 6


def test_twenty_sign_ups_with_one_existing_address_queue_at_most_six_emails(client):
    for _ in range(20):
        response = Client().post(
            "/accounts/signup/",
            {"email": "owner@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
        assert response.status_code == 302
    kinds = set(OutboxEmail.objects.values_list("kind", flat=True))
    assert kinds <= {"email_confirmation_signup", "account_already_exists"}
    assert emails_to("owner@example.org") == 6


def test_twenty_password_resets_for_unknown_addresses_send_at_most_six_to_each(client):
    unknown = ["nobody@example.org", "noone@example.net", "stranger@example.com"]
    for _ in range(20):
        for address in unknown:
            response = Client().post("/accounts/password/reset/", {"email": address})
            assert response.status_code == 302
            assert response["Location"] == "/accounts/password/reset/done/"
    for address in unknown:
        assert emails_to(address) == 6
        assert set(OutboxEmail.objects.filter(to=address).values_list("kind", flat=True)) == {
            "unknown_account"
        }


def test_twenty_rsvps_and_signatures_for_one_address_queue_at_most_six_emails(client):
    petitions = [make_petition() for _ in range(10)]
    for petition in petitions:
        response = Client().post(
            f"/petitions/{petition.slug}/sign/",
            {
                "first_name": "Vic",
                "last_name": "Tim",
                "email": "victim@example.org",
                "country": "GB",
            },
        )
        assert response.status_code == 302
    for _ in range(10):
        event = make_event()
        response = Client().post(
            f"/events/{event.slug}/rsvp/", {"first_name": "Vic", "email": "Victim@Example.org"}
        )
        assert response.status_code == 302
    assert emails_to("victim@example.org") == 6


def sign_up(email: str) -> None:
    signups.rsvp(make_event(), first_name="Vic", email=email, consent_organizer=False)


def test_the_budget_is_for_a_day_and_comes_back_the_next(client):
    start = datetime.datetime(2099, 3, 1, 12, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(8):
            sign_up("v@example.org")
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        sign_up("v@example.org")
    assert emails_to("v@example.org") == 7


def test_a_spent_budget_is_logged_with_the_keyed_hash_never_the_address(caplog):
    caplog.set_level(logging.WARNING, logger="allout.mail")
    for _ in range(7):
        sign_up("Victim@Example.org")
    assert hashed("victim@example.org") in caplog.text
    assert "victim" not in caplog.text.lower().replace(hashed("victim@example.org"), "")


def test_emails_people_asked_for_are_never_counted(client):
    event = make_event()
    for _ in range(6):
        sign_up("v@example.org")
    attendance = make_attendance(event=event, email="v@example.org", status="confirmed")
    signups.confirm(make_attendance(event=make_event(), email="v@example.org"))
    organizing.message_participants(
        event, event.organizer, subject="Meet at noon", body="Bring water."
    )
    with time_machine.travel(event.starts_at - datetime.timedelta(hours=20), tick=False):
        reminders.send_reminders()
    kinds = list(OutboxEmail.objects.filter(to=attendance.email).values_list("kind", flat=True))
    assert kinds.count("attendance_confirm") == 6
    assert {"attendance_confirmed", "organizer_message", "attendance_reminder"} <= set(kinds)


def test_every_budgeted_kind_is_one_the_platform_sends():
    # A typo in the set would leave that email unbudgeted without any test noticing.
    templates = {path.name for path in (mail.settings.BASE_DIR / "templates").rglob("*")}
    allauth_kinds = {
        "email_confirmation",
        "email_confirmation_signup",
        "email_confirm",
        "account_already_exists",
        "password_reset_key",
        "password_reset_code",
        "password_reset",
        "unknown_account",
        "login_code",
    }
    for kind in mail.BUDGETED_KINDS - allauth_kinds:
        assert f"{kind}_subject.txt" in templates


@pytest.mark.django_db(transaction=True)
def test_racing_requests_cannot_overspend_the_budget():
    events = [make_event() for _ in range(12)]

    def sign_up_to(event) -> None:
        signups.rsvp(event, first_name="Vic", email="race@example.org", consent_organizer=False)

    run_concurrently(sign_up_to, [(event,) for event in events])
    assert emails_to("race@example.org") == 6


@pytest.mark.django_db(transaction=True)
def test_racing_signatures_cannot_overspend_the_budget():
    """A signature and its email are one statement (allout.mail.insert_new_with_email): the
    budget's lock and count inside it still hold racing statements in line."""
    petitions = [make_petition() for _ in range(12)]

    def sign(petition) -> None:
        petition_services.sign(
            petition, first_name="Vic", last_name="Tim", email="race@example.org", country="GB"
        )

    run_concurrently(sign, [(petition,) for petition in petitions])
    assert emails_to("race@example.org") == 6
    assert Signature.objects.filter(email="race@example.org").count() == 12  # each kept
