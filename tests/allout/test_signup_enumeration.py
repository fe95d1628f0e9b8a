"""Sign-up never tells whether an address has an account: the same status, page, message and
redirect, and the same work (a password hash) either way."""

from __future__ import annotations

import pytest
from django.test import Client

from allout.models import OutboxEmail
from tests.allout.hashers import CountingHasher
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-123"
KNOWN = "known@example.org"
NEW = "new.person@example.org"


def sign_up(email: str) -> dict:
    """What a stranger sees after signing up with `email` in a fresh browser."""
    client = Client()
    response = client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    page = client.get(response["Location"])
    return {
        "status": response.status_code,
        "redirect": response["Location"],
        "page_status": page.status_code,
        "templates": [t.name for t in page.templates],
        "messages": [str(m).replace(email, "<email>") for m in page.context["messages"]],
        "page": page.content.decode().replace(email, "<email>"),
    }


def test_a_known_address_gets_the_same_answer_as_a_new_one():
    make_user(KNOWN)
    known, new = sign_up(KNOWN), sign_up(NEW)
    assert known == new
    assert known["status"] == 302 and known["redirect"] == "/accounts/confirm-email/"
    assert known["messages"] == ["Confirmation email sent to <email>."]


def test_a_second_try_within_the_cooldown_gets_the_same_answer_for_both():
    make_user(KNOWN)
    sign_up(KNOWN), sign_up(NEW)
    known, new = sign_up(KNOWN), sign_up(NEW)
    assert known == new
    assert known["messages"] == ["Confirmation email sent to <email>."]


def test_the_known_address_is_told_someone_tried_and_the_new_one_gets_its_link():
    make_user(KNOWN)
    sign_up(KNOWN), sign_up(NEW)
    told = OutboxEmail.objects.get(to=KNOWN)
    assert told.kind == "account_already_exists"
    assert KNOWN in told.body_text, "the email names the address it is about"
    assert "/accounts/password/reset/" in told.body_text
    assert OutboxEmail.objects.get(to=NEW).kind == "email_confirmation_signup"


def test_no_more_than_one_email_per_address_within_the_cooldown():
    make_user(KNOWN)
    for _ in range(3):
        sign_up(KNOWN), sign_up(NEW)
    assert OutboxEmail.objects.filter(to=KNOWN).count() == 1
    assert OutboxEmail.objects.filter(to=NEW).count() == 1


def test_the_password_is_hashed_for_a_known_address_as_for_a_new_one(settings):
    """The suite asserts no times; the time is the hash, so this counts hashes
    (bench/signup_timing.py measures the times)."""
    settings.PASSWORD_HASHERS = ["tests.allout.hashers.CountingHasher"]
    make_user(KNOWN)

    CountingHasher.encoded = 0
    sign_up(NEW)
    for_new = CountingHasher.encoded

    CountingHasher.encoded = 0
    sign_up(KNOWN)
    for_known = CountingHasher.encoded

    assert for_new == 1
    assert for_known == for_new
