"""Login limits cannot be used to lock an owner out: wrong passwords (and two-factor codes)
count per account and source together; per account alone only a much higher limit applies.
Their keys in Redis are keyed hashes, never a plain hash of an address."""

from __future__ import annotations

import hashlib

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client

from allout.cache import redis_client
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

OWNER = "owner@example.org"
PASSWORD = "the-owners-pass-123"
SOURCE_A, SOURCE_B = "198.51.100.7", "203.0.113.20"
SECRET = "JBSWY3DPEHPK3PXPTESTOWNERAAAAAAA"


def log_in(client: Client, password: str, source: str):
    return client.post(
        "/accounts/login/", {"login": OWNER, "password": password}, REMOTE_ADDR=source
    )


def is_logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def is_refused_as_too_many(response) -> bool:
    return response.status_code == 200 and "Too many failed login attempts" in response.text


def sources(count: int) -> list[str]:
    return [f"192.0.2.{n}" for n in range(1, count + 1)]


def test_wrong_passwords_from_one_source_do_not_lock_the_owner_out_elsewhere():
    make_user(OWNER, password=PASSWORD)
    attacker = Client()
    for _ in range(6):
        log_in(attacker, "a-guess-123", SOURCE_A)
    assert is_refused_as_too_many(log_in(attacker, PASSWORD, SOURCE_A))
    assert is_logged_in(log_in(Client(), PASSWORD, SOURCE_B))


def test_wrong_passwords_from_many_sources_limit_the_account_at_the_higher_limit():
    make_user(OWNER, password=PASSWORD)
    attacker = Client()
    # 4 tries from each of 25 sources: 100, the limit per account in an hour; none of them
    # reaches the 5 per account and source.
    for source in sources(25):
        for _ in range(4):
            assert not is_refused_as_too_many(log_in(attacker, "a-guess-123", source))
    assert is_refused_as_too_many(log_in(Client(), PASSWORD, SOURCE_B))


def test_a_right_password_does_not_count_as_a_failure():
    make_user(OWNER, password=PASSWORD)
    client = Client()
    for _ in range(4):
        log_in(client, "a-guess-123", SOURCE_A)
    for _ in range(3):
        assert is_logged_in(log_in(client, PASSWORD, SOURCE_A))
        client.logout()
    assert is_refused_as_too_many(log_in(client, "a-guess-123", SOURCE_A)) is False
    assert is_refused_as_too_many(log_in(client, "a-guess-123", SOURCE_A))


# --- The two-factor step ---------------------------------------------------------------------
def at_the_code_step(source: str) -> Client:
    client = Client()
    response = log_in(client, PASSWORD, source)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    return client


def enter_code(client: Client, code: str, source: str):
    return client.post("/accounts/2fa/authenticate/", {"code": code}, REMOTE_ADDR=source)


def right_code() -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(SECRET, counters[len(counters) // 2]))


@pytest.fixture
def owner_with_two_factor():
    owner = make_user(OWNER, password=PASSWORD)
    TOTP.activate(owner, SECRET)
    return owner


def wrong_code() -> str:
    return "000000" if right_code() != "000000" else "111111"


def test_wrong_codes_from_one_source_do_not_lock_the_owner_out_elsewhere(owner_with_two_factor):
    attacker = at_the_code_step(SOURCE_A)
    for _ in range(6):
        enter_code(attacker, wrong_code(), SOURCE_A)
    assert is_refused_as_too_many(enter_code(attacker, right_code(), SOURCE_A))
    owner = at_the_code_step(SOURCE_B)
    assert is_logged_in(enter_code(owner, right_code(), SOURCE_B))


def test_wrong_codes_from_many_sources_limit_the_account_at_the_higher_limit(
    owner_with_two_factor,
):
    for source in sources(25):
        attacker = at_the_code_step(source)
        for _ in range(4):
            assert not is_refused_as_too_many(enter_code(attacker, wrong_code(), source))
    owner = at_the_code_step(SOURCE_B)
    assert is_refused_as_too_many(enter_code(owner, right_code(), SOURCE_B))


# --- What the limits leave in Redis ------------------------------------------------------------
def test_no_rate_limit_key_holds_a_plain_hash_of_an_address(client):
    make_user(OWNER, password=PASSWORD)
    log_in(client, "a-guess-123", SOURCE_A)
    client.post("/accounts/password/reset/", {"email": OWNER})
    client.post(
        "/accounts/signup/",
        {"email": "new.person@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    keys = "\n".join(k.decode() for k in redis_client().keys("*"))
    assert "allauth" in keys, "allauth's limits are in this Redis database"
    for spelling in (OWNER, f"testserver:{OWNER}", "new.person@example.org"):
        assert hashlib.sha256(spelling.encode()).hexdigest() not in keys
    assert OWNER not in keys and SOURCE_A not in keys
