"""A signer who deletes their signature (or all their data) or stops the author's updates
reaches the organization that may have pulled them: its key reads the signature's
identifier under /signatures/withdrawn/ and deletes its copy. Nothing of the person is in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from allout import privacy
from partners import services as partner_services
from partners.models import Withdrawal
from petitions import links
from petitions import services as petition_services
from tests.partners.conftest import bearer, make_key, make_organization
from tests.partners.test_pulls import ident, opted_in
from tests.petitions.conftest import make_petition, make_signature

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def withdrawn_url(petition) -> str:
    return f"/api/v1/petitions/{petition.slug}/signatures/withdrawn/"


def withdrawn(client, petition, key, **query) -> list[str]:
    response = client.get(withdrawn_url(petition), query, **bearer(key))
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "private, no-store"
    rows = response.json()["_embedded"]["osdi:signatures"]
    assert all(set(row) == {"identifiers", "withdrawn_date"} for row in rows)  # nothing else
    return [row["identifiers"][0] for row in rows]


def test_each_way_a_pulled_signer_leaves_is_listed_for_the_author(client, authored_petition, key):
    deleted_by_link, erased, stopped, admin_deleted, stays = (
        opted_in(authored_petition, minutes=n, email=f"s{n}@example.org") for n in range(5)
    )
    with time_machine.travel(T0, tick=False):
        petition_services.delete_signature(deleted_by_link.pk)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        privacy.erase("s1@example.org")
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        petition_services.stop_updates(stopped.pk)
    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        petition_services.delete_signatures(type(stays).objects.filter(pk=admin_deleted.pk))
    assert withdrawn(client, authored_petition, key) == [
        ident(deleted_by_link),
        ident(erased),
        ident(stopped),
        ident(admin_deleted),
    ]
    assert withdrawn(client, authored_petition, key, since="2026-03-01T12:02:00Z") == [
        ident(stopped),
        ident(admin_deleted),
    ]
    # The one who stays is still in the pull, the others are not.
    pulled = client.get(f"/api/v1/petitions/{authored_petition.slug}/signatures/", **bearer(key))
    assert [row["identifiers"][0] for row in pulled.json()["_embedded"]["osdi:signatures"]] == [
        ident(stays)
    ]


def test_the_links_in_the_signers_emails_record_it(client, authored_petition, key):
    deleting, stopping = (
        opted_in(authored_petition, minutes=n, email=f"l{n}@example.org") for n in range(2)
    )
    delete_path = links.delete_link(deleting.pk).url().split("127.0.0.1:8000", 1)[-1]
    updates_path = links.updates_link(stopping.pk).url().split("127.0.0.1:8000", 1)[-1]
    assert client.post(delete_path).status_code in (200, 302)
    assert client.post(updates_path).status_code in (200, 302)
    assert sorted(withdrawn(client, authored_petition, key)) == sorted(
        [ident(deleting), ident(stopping)]
    )


def test_a_signer_no_key_could_pull_leaves_no_withdrawal(authored_petition):
    unconfirmed = make_signature(
        authored_petition, consent_author=True, shared_with=authored_petition.author_organization
    )
    not_asked = make_signature(authored_petition, confirmed=True, email="n@example.org")
    never_shared = make_signature(
        authored_petition, confirmed=True, consent_author=True, email="o@example.org"
    )
    for signature in (unconfirmed, not_asked, never_shared):
        petition_services.delete_signature(signature.pk)
    petition_services.stop_updates(opted_in(authored_petition, email="twice@example.org").pk)
    petition_services.stop_updates(type(unconfirmed).objects.get(email="twice@example.org").pk)
    assert Withdrawal.objects.count() == 1  # the second stop found nothing left to withdraw


def test_only_the_organization_that_could_pull_reads_them(client, authored_petition, key):
    signature = opted_in(authored_petition)
    petition_services.delete_signature(signature.pk)
    _, other_key = make_key(make_organization())
    response = client.get(withdrawn_url(authored_petition), **bearer(other_key))
    assert response.status_code == 404
    assert client.get(withdrawn_url(authored_petition)).status_code == 401
    other = make_petition(author_organization=authored_petition.author_organization)
    assert withdrawn(client, other, key) == []
    assert (
        client.get(withdrawn_url(authored_petition), {"page": "0"}, **bearer(key)).status_code
        == 400
    )


def test_withdrawals_are_kept_ninety_days():
    petition = make_petition(author_organization=make_organization())
    with time_machine.travel(T0, tick=False):
        petition_services.delete_signature(opted_in(petition, email="old@example.org").pk)
    with time_machine.travel(T0 + timedelta(days=89), tick=False):
        petition_services.delete_signature(opted_in(petition, email="new@example.org").pk)
    with time_machine.travel(T0 + timedelta(days=90, minutes=1), tick=False):
        assert partner_services.purge_withdrawals() == 1
    assert Withdrawal.objects.count() == 1
