"""A signer who deletes their signature (or all their data) or stops the author's updates
reaches the organization that may have pulled them: its key reads the signature's
identifier under /signatures/withdrawn/ and deletes its copy. Nothing of the person is in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.db.models import ProtectedError

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
    assert client.post(delete_path).status_code == 200  # "your signature is deleted"
    assert client.post(updates_path).status_code in (200, 302)
    assert not type(deleting).objects.filter(pk=deleting.pk).exists()
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
    assert not Withdrawal.objects.exists()
    twice = opted_in(authored_petition, email="twice@example.org")
    petition_services.stop_updates(twice.pk)
    petition_services.stop_updates(twice.pk)
    assert Withdrawal.objects.count() == 1  # the second stop found nothing left to withdraw
    petition_services.delete_signature(twice.pk)
    assert Withdrawal.objects.count() == 1  # nor did the deletion after it


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
    (kept,) = Withdrawal.objects.all()
    assert kept.withdrawn_at == T0 + timedelta(days=89)


def test_the_organization_that_authored_it_before_still_reads_its_signers_withdrawals(client):
    first, second = make_organization(), make_organization()
    (_, first_key), (_, second_key) = make_key(first), make_key(second)
    petition = make_petition(author_organization=first)
    pulled_by_first = opted_in(petition, email="first@example.org")
    type(petition).objects.filter(pk=petition.pk).update(author_organization=second)
    petition.refresh_from_db()
    pulled_by_second = opted_in(petition, email="second@example.org")
    assert client.get(withdrawn_url(petition), **bearer(first_key)).status_code == 404  # none yet
    for signature in (pulled_by_first, pulled_by_second):
        petition_services.delete_signature(signature.pk)
    assert withdrawn(client, petition, first_key) == [ident(pulled_by_first)]
    assert withdrawn(client, petition, second_key) == [ident(pulled_by_second)]


def test_an_erasure_is_stamped_to_the_minute_and_rolls_back_with_its_transaction():
    petition = make_petition(author_organization=make_organization())
    kept, rolled_back = (
        opted_in(petition, email="k@example.org"),
        opted_in(petition, email="r@example.org"),
    )
    with time_machine.travel(T0 + timedelta(seconds=42, microseconds=7), tick=False):
        petition_services.delete_signature(kept.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        petition_services.delete_signature(rolled_back.pk)
        raise RuntimeError("a later eraser failed")
    (withdrawal,) = Withdrawal.objects.all()
    assert withdrawal.signature_id == kept.pk and withdrawal.withdrawn_at == T0


def test_staff_cannot_change_what_a_signer_agreed_to(client, staff_user, authored_petition):
    signature = opted_in(authored_petition)
    client.force_login(staff_user)
    page = client.get(f"/admin/petitions/signature/{signature.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "consent_author" not in form.fields and "consent_campaign" not in form.fields


def test_a_petition_is_not_deleted_while_its_withdrawals_are_kept(authored_petition):
    petition_services.delete_signature(opted_in(authored_petition).pk)
    with pytest.raises(ProtectedError):
        authored_petition.delete()
