"""The author organization's keyed pull of the signers who asked for its updates."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings

from partners.models import ApiKey, PullLog
from petitions import services as petition_services
from tests.conftest import make_user
from tests.partners.conftest import bearer, make_key, make_organization, pull_url
from tests.petitions.conftest import make_petition, make_signature

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def opted_in(petition, minutes: int = 0, **kwargs):
    """A confirmed signer of `petition` who asked for the author's updates."""
    kwargs.setdefault("confirmed_at", T0 + timedelta(minutes=minutes))
    kwargs.setdefault("shared_with", petition.author_organization)
    return make_signature(petition, consent_author=True, **kwargs)


def ids(response) -> list[str]:
    return [row["identifiers"][0] for row in response.json()["_embedded"]["osdi:signatures"]]


def ident(signature) -> str:
    return f"allout:signature-{signature.pk}"


def test_the_authors_key_gets_exactly_the_confirmed_signers_who_asked_for_its_updates(
    client, authored_petition, key
):
    petition = authored_petition
    first = opted_in(petition, 1)
    second = opted_in(petition, 2)
    make_signature(petition, consent_author=True, shared_with=petition.author_organization)
    # ^ not confirmed
    # Ticked the box before the form said the author would get their details: never asked.
    make_signature(petition, confirmed=True, consent_author=True)
    make_signature(petition, confirmed=True, consent_author=False, consent_campaign=True)
    deleted = opted_in(petition, 3)
    petition_services.delete_signature(deleted.pk)
    withdrew = opted_in(petition, 4)
    petition_services.stop_updates(withdrew.pk)
    # The same organization's other petition, and someone else's: not in this pull.
    opted_in(make_petition(author_organization=petition.author_organization), 5)
    opted_in(make_petition(), 6)

    response = client.get(pull_url(petition), **bearer(key))

    assert response.status_code == 200
    assert ids(response) == [ident(first), ident(second)]
    assert response.json()["total_records"] == 2


def test_a_signer_reads_as_an_osdi_signature_with_its_person(client, authored_petition, key):
    signature = opted_in(
        authored_petition,
        first_name="Anna",
        last_name="Schmidt",
        email="Anna.Schmidt@example.org",
        country="DE",
        postcode="10115",
    )
    body = client.get(pull_url(authored_petition), **bearer(key)).json()
    assert body["total_pages"] == 1 and body["page"] == 1 and body["per_page"] == 25
    assert body["_links"]["osdi:petition"]["href"].endswith(f"/petitions/{authored_petition.slug}/")
    [row] = body["_embedded"]["osdi:signatures"]
    assert row == {
        "identifiers": [ident(signature)],
        "created_date": signature.created_at.isoformat().replace("+00:00", "Z"),
        "confirmed_date": "2026-03-01T12:00:00Z",
        "person": {
            "given_name": "Anna",
            "family_name": "Schmidt",
            "email_addresses": [{"address": "Anna.Schmidt@example.org", "primary": True}],
            "postal_addresses": [{"postal_code": "10115", "country": "DE", "primary": True}],
        },
    }


# --- Nobody else gets anything ------------------------------------------------------------
def _no_rows(response, signature) -> None:
    assert signature.email.encode() not in response.content
    assert b"osdi:signatures" not in response.content
    assert response["Content-Type"] == "application/json"


def test_no_key_gets_nothing(client, authored_petition):
    signature = opted_in(authored_petition)
    response = client.get(pull_url(authored_petition))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    _no_rows(response, signature)


@pytest.mark.parametrize(
    "wrong",
    [
        f"aopk_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}",  # well formed, never issued
        "not-a-key",
        "",
    ],
)
def test_a_wrong_key_gets_nothing(client, authored_petition, wrong):
    signature = opted_in(authored_petition)
    response = client.get(pull_url(authored_petition), **bearer(wrong))
    assert response.status_code == 401
    _no_rows(response, signature)
    assert not PullLog.objects.exists()


def test_a_key_with_the_right_prefix_and_a_wrong_secret_gets_nothing(
    client, authored_petition, issued
):
    api_key, _ = issued
    signature = opted_in(authored_petition)
    forged = f"aopk_{api_key.prefix}_{secrets.token_urlsafe(32)}"
    response = client.get(pull_url(authored_petition), **bearer(forged))
    assert response.status_code == 401
    _no_rows(response, signature)


def test_a_revoked_key_gets_nothing_from_the_next_request_on(
    client, authored_petition, issued, staff_user
):
    api_key, key = issued
    signature = opted_in(authored_petition)
    assert client.get(pull_url(authored_petition), **bearer(key)).status_code == 200

    from partners.services import revoke_keys

    revoke_keys(ApiKey.objects.filter(pk=api_key.pk), staff_user)

    response = client.get(pull_url(authored_petition), **bearer(key))
    assert response.status_code == 401
    # The same answer as a key that never was: nothing says it once worked.
    assert response.json() == client.get(pull_url(authored_petition), **bearer("x")).json()
    _no_rows(response, signature)


def test_another_organizations_key_gets_a_404_like_a_petition_that_does_not_exist(
    client, authored_petition
):
    signature = opted_in(authored_petition)
    stranger, key = make_key(make_organization())
    response = client.get(pull_url(authored_petition), **bearer(key))
    missing = client.get("/api/v1/petitions/no-such-petition/signatures/", **bearer(key))
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    _no_rows(response, signature)
    # The probe is on record, with nothing returned.
    log = PullLog.objects.filter(api_key=stranger, slug=authored_petition.slug).get()
    assert (log.status, log.rows, log.petition) == (404, 0, None)


@pytest.mark.parametrize("slug", ["not%20a%20slug", "nul%00byte", "%C3%A9t%C3%A9", "a" * 300])
def test_a_path_no_petition_could_have_gets_the_apis_json_404_and_is_logged(client, key, slug):
    response = client.get(f"/api/v1/petitions/{slug}/signatures/", **bearer(key))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert PullLog.objects.get().status == 404


def test_a_petition_without_an_author_organization_is_nobodys_to_pull(client, key):
    petition = make_petition()
    opted_in(petition)
    assert client.get(pull_url(petition), **bearer(key)).status_code == 404


def test_a_staff_session_without_a_key_gets_nothing(client, authored_petition, staff_user):
    signature = opted_in(authored_petition)
    client.force_login(staff_user)
    response = client.get(pull_url(authored_petition))
    assert response.status_code == 401
    _no_rows(response, signature)


@pytest.mark.parametrize(
    "name", ["key", "api_key", "token", "access_token", "Key", "api_token", "API-KEY", "x"]
)
def test_a_key_in_the_address_is_refused_even_with_a_good_one_in_the_header(
    client, authored_petition, key, name
):
    signature = opted_in(authored_petition)
    response = client.get(f"{pull_url(authored_petition)}?{name}={key}", **bearer(key))
    assert response.status_code == 400
    assert name in response.json()
    _no_rows(response, signature)
    assert not PullLog.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        lambda key: {"HTTP_AUTHORIZATION": f"Api-Key {key}"},
        lambda key: {"HTTP_API_KEY": key},
        lambda key: {"HTTP_AUTHORIZATION": f"bearer {key}"},
    ],
)
def test_the_key_can_come_in_the_other_documented_headers(client, authored_petition, key, headers):
    opted_in(authored_petition)
    assert client.get(pull_url(authored_petition), **headers(key)).status_code == 200


def test_two_different_keys_in_one_request_get_nothing(client, authored_petition, key):
    _, other = make_key(authored_petition.author_organization)
    response = client.get(pull_url(authored_petition), HTTP_API_KEY=other, **bearer(key))
    assert response.status_code == 401


# --- Increments and pages -----------------------------------------------------------------
def test_since_keeps_signers_confirmed_at_or_after_it(client, authored_petition, key):
    opted_in(authored_petition, 0)
    at = opted_in(authored_petition, 10)
    after = opted_in(authored_petition, 20)
    url = pull_url(authored_petition)
    for since in ("2026-03-01T12:10:00Z", "2026-03-01T13:10:00+01:00"):
        response = client.get(url, {"since": since}, **bearer(key))
        assert response.status_code == 200
        assert ids(response) == [ident(at), ident(after)]
    # A "+" typed unencoded in the address arrives as a space: read as the offset it was.
    response = client.get(f"{url}?since=2026-03-01T13:10:00+01:00", **bearer(key))
    assert ids(response) == [ident(at), ident(after)]


def test_pages_are_in_confirmation_order_ties_by_id_and_cover_every_signer_once(
    client, authored_petition, key
):
    # Three share one confirmation time: their order is their id, on every request.
    signers = [opted_in(authored_petition, minutes) for minutes in (5, 1, 3, 3, 3)]
    expected = [ident(s) for s in sorted(signers, key=lambda s: (s.confirmed_at, s.pk))]
    url = pull_url(authored_petition)

    seen, page_url = [], f"{url}?per_page=2"
    while page_url:
        body = client.get(page_url, **bearer(key)).json()
        assert (body["total_records"], body["total_pages"], body["per_page"]) == (5, 3, 2)
        seen += [row["identifiers"][0] for row in body["_embedded"]["osdi:signatures"]]
        page_url = body["_links"].get("next", {}).get("href", "")
        assert "key" not in page_url
    assert seen == expected

    last = client.get(url, {"per_page": 2, "page": 3}, **bearer(key)).json()
    assert "next" not in last["_links"] and last["_links"]["prev"]["href"].endswith(
        "page=2&per_page=2"
    )
    beyond = client.get(url, {"per_page": 2, "page": 9}, **bearer(key)).json()
    assert beyond["_embedded"]["osdi:signatures"] == [] and beyond["total_records"] == 5


def test_the_links_keep_since(client, authored_petition, key):
    for minutes in range(3):
        opted_in(authored_petition, minutes)
    body = client.get(
        pull_url(authored_petition),
        {"since": "2026-03-01T12:00:00Z", "per_page": 1},
        **bearer(key),
    ).json()
    assert "since=2026-03-01T12%3A00%3A00Z" in body["_links"]["next"]["href"]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("since", "yesterday"),
        ("since", "2026-13-01T00:00:00Z"),
        ("page", "0"),
        ("page", "two"),
        ("per_page", "0"),
        ("per_page", "101"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(client, authored_petition, key, parameter, value):
    opted_in(authored_petition)
    response = client.get(pull_url(authored_petition), {parameter: value}, **bearer(key))
    assert response.status_code == 400
    assert list(response.json()) == [parameter]
    assert b"osdi:signatures" not in response.content


# --- Headers, limits, records -----------------------------------------------------------------
def test_no_shared_cache_keeps_it_and_no_other_site_may_read_it(client, authored_petition, key):
    opted_in(authored_petition)
    origin = {"HTTP_ORIGIN": "https://partner.example"}
    for response in (
        client.get(pull_url(authored_petition), **bearer(key), **origin),
        client.get(pull_url(authored_petition), **origin),
    ):
        assert response["Cache-Control"] == "private, no-store"
        assert not response.has_header("Access-Control-Allow-Origin")


@override_settings(PARTNER_PULLS_PER_MINUTE=2)
def test_a_key_is_rate_limited_on_its_own(client, authored_petition, key):
    opted_in(authored_petition)
    url = pull_url(authored_petition)
    assert [client.get(url, **bearer(key)).status_code for _ in range(3)] == [200, 200, 429]
    # Another key of the same organization is counted apart.
    _, other = make_key(authored_petition.author_organization)
    assert client.get(url, **bearer(other)).status_code == 200


def test_the_last_use_is_recorded_at_most_once_a_minute(client, authored_petition, issued):
    api_key, key = issued
    url = pull_url(authored_petition)
    assert api_key.last_used_at is None
    with time_machine.travel(T0, tick=False):
        client.get(url, **bearer(key))
    api_key.refresh_from_db()
    assert api_key.last_used_at == T0
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        client.get(url, **bearer(key))
    api_key.refresh_from_db()
    assert api_key.last_used_at == T0
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        client.get(url, **bearer(key))
    api_key.refresh_from_db()
    assert api_key.last_used_at == T0 + timedelta(seconds=61)


def test_every_pull_is_logged_with_its_key_organization_petition_rows_and_since(
    client, authored_petition, issued
):
    api_key, key = issued
    for minutes in range(3):
        opted_in(authored_petition, minutes)
    client.get(pull_url(authored_petition), {"per_page": 2}, **bearer(key))
    client.get(pull_url(authored_petition), {"since": "2026-03-01T12:02:00Z"}, **bearer(key))
    first, second = PullLog.objects.order_by("pk")
    assert (first.api_key, first.organization, first.petition) == (
        api_key,
        authored_petition.author_organization,
        authored_petition,
    )
    assert (first.status, first.rows, first.since, first.page, first.per_page) == (
        200,
        2,
        None,
        1,
        2,
    )
    assert (second.rows, second.since) == (1, T0 + timedelta(minutes=2))


def test_no_log_line_holds_the_key(client, authored_petition, key, caplog):
    opted_in(authored_petition)
    with caplog.at_level("DEBUG"):
        client.get(pull_url(authored_petition), **bearer(key))
        client.get(f"{pull_url(authored_petition)}?key={key}")
        make_key(authored_petition.author_organization, issuer=make_user("boss@example.org"))
    assert caplog.records  # the pulls were logged (Django's request log, ours)
    assert key not in caplog.text
    assert "aopk_" not in caplog.text


def test_one_source_trying_many_keys_is_held_back(client, authored_petition, key, monkeypatch):
    from partners import authentication

    monkeypatch.setattr(authentication, "TRIES_PER_SOURCE_PER_MINUTE", 3)
    url = pull_url(authored_petition)
    guesses = [client.get(url, **bearer(f"guess-{n}")).status_code for n in range(3)]
    assert guesses == [401, 401, 401]
    # Past the limit even the right key waits: the guesser learns nothing more.
    assert client.get(url, **bearer(key)).status_code == 429


def test_a_pull_costs_a_fixed_number_of_queries(
    client, authored_petition, key, django_assert_num_queries
):
    for minutes in range(30):
        opted_in(authored_petition, minutes)
    client.get(pull_url(authored_petition), **bearer(key))  # the first use is written
    # The key, the petition, the page, the total, the log row.
    with django_assert_num_queries(5):
        response = client.get(pull_url(authored_petition), {"per_page": 20}, **bearer(key))
    assert len(ids(response)) == 20
