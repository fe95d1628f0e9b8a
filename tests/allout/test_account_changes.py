"""A stolen session cannot quietly take an account over: every change to how the account is
reached asks for the password again, and is announced to the primary address it had."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.test import Client

from allout.models import OutboxEmail
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

OWNER = "owner@example.org"
SECOND = "second@example.org"
ATTACKER = "attacker@example.org"
PASSWORD = "the-owners-pass-123"


@pytest.fixture
def owner():
    user = make_user(OWNER, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=SECOND, verified=True, primary=False)
    return user


@pytest.fixture
def session(owner) -> Client:
    """A logged-in browser that has not given the password in the last minutes (a stolen
    session cookie, or a laptop left open)."""
    client = Client()
    client.force_login(owner)
    return client


def reauthenticate(client: Client, response, password: str = PASSWORD):
    """Follow the redirect to the reauthentication page and give the password there."""
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    return client.post(response["Location"], {"password": password})


def notifications(to: str) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(to=to).exclude(kind__startswith="email_confirmation"))


def addresses(user) -> dict[str, bool]:
    return dict(EmailAddress.objects.filter(user=user).values_list("email", "primary"))


def assert_names_the_site(row: OutboxEmail) -> None:
    assert settings.SITE_NAME in row.body_text
    assert f"{settings.SITE_URL}/accounts/password/reset/" in row.body_text


# --- Adding an address ---------------------------------------------------------------------
def test_adding_an_address_without_the_password_changes_nothing(session, owner):
    response = session.post("/accounts/email/", {"email": ATTACKER, "action_add": ""})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert addresses(owner) == {OWNER: True, SECOND: False}
    assert not OutboxEmail.objects.exists()


def test_adding_an_address_is_announced_to_the_primary_one(session, owner):
    response = session.post("/accounts/email/", {"email": ATTACKER, "action_add": ""})
    reauthenticate(session, response)
    assert addresses(owner) == {OWNER: True, SECOND: False, ATTACKER: False}
    [told] = notifications(OWNER)
    assert told.kind == "email_added" and ATTACKER in told.body_text
    assert_names_the_site(told)


# --- Making another address primary ------------------------------------------------------
def test_making_an_address_primary_without_the_password_changes_nothing(session, owner):
    response = session.post("/accounts/email/", {"email": SECOND, "action_primary": ""})
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert addresses(owner) == {OWNER: True, SECOND: False}
    assert not OutboxEmail.objects.exists()


def test_a_new_primary_address_is_announced_to_the_previous_one(session, owner):
    response = session.post("/accounts/email/", {"email": SECOND, "action_primary": ""})
    reauthenticate(session, response)
    assert addresses(owner) == {OWNER: False, SECOND: True}
    [told] = notifications(OWNER)
    assert told.kind == "email_changed" and SECOND in told.body_text
    assert_names_the_site(told)
    assert not notifications(SECOND)


# --- Removing an address -------------------------------------------------------------------
def test_removing_an_address_without_the_password_changes_nothing(session, owner):
    response = session.post("/accounts/email/", {"email": SECOND, "action_remove": ""})
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert addresses(owner) == {OWNER: True, SECOND: False}
    assert not OutboxEmail.objects.exists()


def test_removing_an_address_is_announced_to_the_primary_one(session, owner):
    response = session.post("/accounts/email/", {"email": SECOND, "action_remove": ""})
    reauthenticate(session, response)
    assert addresses(owner) == {OWNER: True}
    [told] = notifications(OWNER)
    assert told.kind == "email_deleted" and SECOND in told.body_text
    assert_names_the_site(told)


def test_a_wrong_password_on_the_reauthentication_page_changes_nothing(session, owner):
    response = session.post("/accounts/email/", {"email": SECOND, "action_remove": ""})
    page = reauthenticate(session, response, password="a-guess-123")
    assert page.status_code == 200
    assert addresses(owner) == {OWNER: True, SECOND: False}
    assert not OutboxEmail.objects.exists()


# --- Changing the password -----------------------------------------------------------------
# The form asks for the current password every time, which is the password asked again; the
# reauthentication page in front of it would ask for it twice.
NEW_PASSWORD = "a-new-pass-456"


def change_password(client: Client, current: str):
    return client.post(
        "/accounts/password/change/",
        {"oldpassword": current, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


@pytest.mark.parametrize("current", ["", "a-guess-123"])
def test_the_password_does_not_change_without_the_current_one(session, owner, current):
    response = change_password(session, current)
    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD) and not owner.check_password(NEW_PASSWORD)
    assert not OutboxEmail.objects.exists()


def test_a_new_password_is_announced_to_the_primary_address(session, owner):
    response = change_password(session, PASSWORD)
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    [told] = notifications(OWNER)
    assert told.kind == "password_changed"
    assert_names_the_site(told)


# --- Turning two-factor off ----------------------------------------------------------------
SECRET = "JBSWY3DPEHPK3PXPTESTOWNERAAAAAAA"


def test_two_factor_stays_on_without_the_password(session, owner):
    TOTP.activate(owner, SECRET)
    response = session.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()
    assert not OutboxEmail.objects.exists()


def test_turning_two_factor_off_is_announced_to_the_primary_address(session, owner):
    TOTP.activate(owner, SECRET)
    response = session.post("/accounts/2fa/totp/deactivate/")
    reauthenticate(session, response)
    assert not Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()
    [told] = notifications(OWNER)
    assert told.kind == "totp_deactivated"
    assert_names_the_site(told)


def test_notifications_hold_no_address_of_the_browser(session, owner):
    """The platform stores no IP address, not even in an email waiting in the outbox."""
    response = session.post(
        "/accounts/email/", {"email": SECOND, "action_primary": ""}, REMOTE_ADDR="203.0.113.9"
    )
    reauthenticate(session, response)
    [told] = notifications(OWNER)
    assert "203.0.113.9" not in told.body_text and "IP address" not in told.body_text
