"""The "my data" link in every email: export or delete a signer's signatures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from allout import privacy
from allout.models import OutboxEmail
from petitions.models import Signature
from petitions.tasks import purge_unconfirmed_signatures
from tests.petitions.conftest import make_petition, make_signature, sign_form

pytestmark = pytest.mark.django_db


def data_path(email: str) -> str:
    return privacy.data_request_url(email).removeprefix("http://127.0.0.1:8000")


def test_the_data_page_exports_every_signature_of_an_address(client, petition):
    make_signature(petition, email="J.Doe@gmail.com", first_name="Jo", confirmed=True)
    make_signature(make_petition(), email="jdoe+x@googlemail.com", first_name="Jo")
    make_signature(petition, email="someone.else@example.org")
    export = client.post(data_path("jdoe@gmail.com"), {"action": "export"}).json()
    rows = export["data"]["signatures"]
    assert len(rows) == 2
    assert {row["email"] for row in rows} == {"J.Doe@gmail.com", "jdoe+x@googlemail.com"}
    assert rows[0]["petition"] == petition.title


def test_deleting_my_data_deletes_my_signatures_and_lowers_the_counts(client, petition):
    other = make_petition()
    make_signature(petition, email="me@example.org", confirmed=True)
    make_signature(other, email="ME@example.org")
    make_signature(petition, email="you@example.org", confirmed=True)
    client.post(data_path("me@example.org"), {"action": "delete", "confirmed": "yes"})
    assert list(Signature.objects.values_list("email", flat=True)) == ["you@example.org"]
    petition.refresh_from_db()
    other.refresh_from_db()
    assert (petition.signature_count, other.signature_count) == (1, 0)


def test_unconfirmed_signatures_are_deleted_once_their_link_has_expired(petition):
    old = make_signature(petition)
    Signature.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    recent = make_signature(petition)
    confirmed_long_ago = make_signature(petition, confirmed=True)
    Signature.objects.filter(pk=confirmed_long_ago.pk).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    assert purge_unconfirmed_signatures() == 1
    assert set(Signature.objects.values_list("pk", flat=True)) == {recent.pk, confirmed_long_ago.pk}
    petition.refresh_from_db()
    assert petition.signature_count == 1


def test_deleting_my_data_deletes_the_emails_sent_to_every_spelling_of_my_address(client):
    # The signature is found under any spelling of a Gmail address: so must its emails be.
    for email in ["J.Doe@gmail.com", "jdoe+x@googlemail.com"]:
        client.post(f"/petitions/{make_petition().slug}/sign/", sign_form(email=email))
    client.post(f"/petitions/{make_petition().slug}/sign/", sign_form(email="you@example.org"))
    client.post(data_path("jdoe@gmail.com"), {"action": "delete", "confirmed": "yes"})
    assert list(OutboxEmail.objects.values_list("to", flat=True)) == ["you@example.org"]


def test_an_unconfirmed_signature_lives_as_long_as_its_latest_link(petition):
    resent = make_signature(petition)
    month_ago = timezone.now() - timedelta(days=31)
    Signature.objects.filter(pk=resent.pk).update(
        created_at=month_ago, last_emailed_at=timezone.now() - timedelta(days=2)
    )
    assert purge_unconfirmed_signatures() == 0
    Signature.objects.filter(pk=resent.pk).update(last_emailed_at=month_ago)
    assert purge_unconfirmed_signatures() == 1


def test_the_data_page_reads_as_sentences_not_as_raw_keys(client, petition):
    make_signature(petition, email="me@example.org", confirmed=True)
    html = client.get(data_path("me@example.org")).content.decode()
    assert "Petitions you signed" in html
    assert "<dt>Name shown publicly</dt>" in html
    assert "<dd>no</dd>" in html  # booleans read as yes or no
    for raw in ("shown_publicly", "updates_from_author", "True", "False"):
        assert raw not in html


def test_the_data_page_says_deleting_a_signature_lowers_the_petitions_count(client, petition):
    make_signature(petition, email="me@example.org", confirmed=True)
    html = client.post(data_path("me@example.org"), {"action": "delete"}).content.decode()
    assert "each confirmed one comes off its petition&#x27;s count" in html
    assert "Counts stay" not in html
