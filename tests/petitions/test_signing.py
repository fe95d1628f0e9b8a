"""Signing, the double opt-in, repeats, closed petitions and the links in the emails."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from petitions.models import PetitionStatus, Signature
from tests.outbox import decided, rendered
from tests.petitions.conftest import (
    embed_form,
    link_in,
    make_petition,
    make_signature,
    sign_form,
)

pytestmark = pytest.mark.django_db


def sign(client, petition, **data):
    return client.post(f"/petitions/{petition.slug}/sign/", sign_form(**data))


def test_signing_stores_an_unconfirmed_signature_and_emails_a_confirmation_link(client, petition):
    response = sign(client, petition, consent_campaign="on")
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{petition.slug}/check-your-email/"
    signature = Signature.objects.get()
    assert (signature.first_name, signature.last_name) == ("Anna", "Schmidt")
    assert signature.country.code == "DE" and signature.postcode == "10115"
    assert not signature.is_confirmed()
    assert signature.consent_campaign and not signature.consent_author
    assert not signature.show_publicly
    email = rendered().get()
    assert email.to == "anna@example.org" and email.kind == "petition_confirm"
    assert petition.title in email.subject
    assert link_in(email, "confirm") and link_in(email, "updates")
    # The unsubscribe link deletes the signature.
    assert "/delete/" in email.headers["List-Unsubscribe"]
    petition.refresh_from_db()
    assert petition.signature_count == 0


def test_the_page_itself_takes_signatures_too(client, petition):
    response = client.post(f"/petitions/{petition.slug}/", sign_form())
    assert response.status_code == 302
    assert Signature.objects.filter(petition=petition).count() == 1


def test_a_get_on_the_sign_address_leads_to_the_form(client, petition):
    response = client.get(f"/petitions/{petition.slug}/sign/")
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{petition.slug}/#sign"


def test_the_check_your_email_page_says_what_to_do(client, petition):
    html = client.get(f"/petitions/{petition.slug}/check-your-email/").content.decode()
    assert "Check your email" in html and "Confirm" in html


def test_opening_the_confirmation_link_never_confirms(client, petition):
    sign(client, petition)
    path = link_in(rendered().get(), "confirm")
    for _ in range(3):  # a mail scanner, a preview, the signer
        response = client.get(path)
        assert response.status_code == 200
    assert "Confirm my signature" in response.content.decode()
    assert "Anna Schmidt" in response.content.decode()
    assert not Signature.objects.get().is_confirmed()
    petition.refresh_from_db()
    assert petition.signature_count == 0


def test_confirming_counts_the_signature_and_thanks_the_signer(client, petition):
    sign(client, petition)
    path = link_in(rendered().get(), "confirm")
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{petition.slug}/thank-you/"
    assert Signature.objects.get().is_confirmed()
    petition.refresh_from_db()
    assert petition.signature_count == 1
    thanks = client.get(response["Location"]).content.decode()
    assert 'href="/events/"' in thanks and "Find a protest near you" in thanks
    assert 'href="/events/new/"' in thanks
    assert 'value="1" max="1000"' in thanks  # the progress bar
    assert "https://wa.me/?text=" in thanks  # plain share links, no scripts


def test_confirming_twice_counts_once(client, petition):
    sign(client, petition)
    path = link_in(rendered().get(), "confirm")
    client.post(path)
    second = client.post(path)
    assert second.status_code == 302
    petition.refresh_from_db()
    assert petition.signature_count == 1
    assert "already confirmed" in client.get(path).content.decode()


def test_a_forged_or_mangled_link_is_a_clear_404(client, petition, signature):
    for path in [
        "/petitions/signature/123/confirm/",
        "/petitions/signature/not-a-token/delete/",
        "/petitions/signature/x:y:z/updates/",
    ]:
        response = client.get(path)
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()


def test_a_confirmation_link_expires(client, petition):
    sign(client, petition)
    path = link_in(rendered().get(), "confirm")
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert client.post(path).status_code == 404
    assert not Signature.objects.get().is_confirmed()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Anna@Example.org", "anna@example.ORG"),
        ("anna.schmidt@gmail.com", "AnnaSchmidt@gmail.com"),
        ("anna.schmidt+petition@gmail.com", "annaschmidt@gmail.com"),
        ("a.n.n.a+x+y@googlemail.com", "anna@gmail.com"),
    ],
)
def test_one_person_signs_once_whatever_the_spelling_of_their_address(
    client, petition, first, second
):
    sign(client, petition, email=first)
    sign(client, petition, email=second)
    assert Signature.objects.filter(petition=petition).count() == 1


def test_dots_and_tags_matter_outside_gmail(client, petition):
    sign(client, petition, email="anna.schmidt@example.org")
    sign(client, petition, email="annaschmidt@example.org")
    sign(client, petition, email="anna.schmidt+x@example.org")
    assert Signature.objects.filter(petition=petition).count() == 3


def test_the_same_person_may_sign_another_petition(client, petition):
    other = make_petition()
    sign(client, petition)
    sign(client, other)
    assert Signature.objects.count() == 2


def test_a_repeat_of_an_unconfirmed_signature_resends_at_most_once_an_hour(client, petition):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign(client, petition)
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        response = sign(client, petition, first_name="Anne")
        decided()  # the worker takes the repeat at once
    assert response.status_code == 302
    assert rendered().count() == 1
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        sign(client, petition, first_name="Annie")
        sign(client, petition, first_name="Annie")
        decided()
    emails = rendered().order_by("pk")
    assert [e.kind for e in emails] == ["petition_confirm", "petition_confirm"]
    # The latest details are the ones the owner of the address confirms.
    assert Signature.objects.get().first_name == "Annie"
    assert "Hello Annie" in emails[1].body_text


def test_a_repeat_of_a_confirmed_signature_looks_the_same_and_changes_nothing(client, petition):
    make_signature(
        petition, email="anna@example.org", confirmed=True, last_emailed_at=timezone.now()
    )
    fresh = sign(client, petition, email="someone.new@example.org")
    repeat = sign(client, petition, email="ANNA@example.org", first_name="Mallory")
    assert repeat.status_code == fresh.status_code == 302
    assert repeat["Location"] == fresh["Location"]
    signature = Signature.objects.get(email_normalized="anna@example.org")
    assert signature.first_name != "Mallory"
    petition.refresh_from_db()
    assert petition.signature_count == 1
    # Only the stranger's new address got an email; the signer is not pestered.
    assert list(rendered().values_list("to", flat=True)) == ["someone.new@example.org"]


def test_the_owner_of_a_confirmed_address_hears_about_a_repeat_at_most_once_an_hour(
    client, petition
):
    make_signature(
        petition,
        email="anna@example.org",
        confirmed=True,
        last_emailed_at=timezone.now() - timedelta(hours=2),
    )
    sign(client, petition)
    sign(client, petition)
    email = rendered().get()
    assert email.kind == "petition_already_signed" and email.to == "anna@example.org"
    assert link_in(email, "delete")
    assert "/confirm/" not in email.body_text


def test_a_closed_petition_refuses_signatures_with_a_clear_message(client):
    petition = make_petition(status=PetitionStatus.CLOSED)
    response = sign(client, petition)
    assert response.status_code == 403
    html = response.content.decode()
    assert "this petition is closed" in html.lower()
    assert 'name="email"' not in html  # no form to fill in again
    assert not Signature.objects.exists() and not rendered().exists()


def test_a_petition_past_its_deadline_is_closed(client):
    petition = make_petition(deadline=timezone.now() - timedelta(minutes=1))
    assert sign(client, petition).status_code == 403
    page = client.get(f"/petitions/{petition.slug}/").content.decode()
    assert "closed and no longer takes signatures" in page
    assert not Signature.objects.exists()


def test_a_signature_cannot_be_confirmed_once_its_petition_closed(client, petition):
    sign(client, petition)
    path = link_in(rendered().get(), "confirm")
    petition.status = PetitionStatus.CLOSED
    petition.save()
    response = client.post(path)
    assert response.status_code == 403
    assert "closed before your signature was confirmed" in response.content.decode()
    petition.refresh_from_db()
    assert petition.signature_count == 0


def test_a_form_with_mistakes_is_shown_again_with_messages_and_a_400(client, petition):
    response = sign(client, petition, email="not-an-address", country="XX", first_name="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Select a valid choice." in html
    assert 'aria-invalid="true"' in html
    assert not Signature.objects.exists()


def test_a_signer_from_a_high_risk_country_is_stored_as_not_shown(client, petition):
    sign(client, petition, country="RU", show_publicly="on")
    assert Signature.objects.get().show_publicly is False


def test_a_signer_elsewhere_can_choose_to_be_shown(client, petition):
    sign(client, petition, country="FR", show_publicly="on")
    assert Signature.objects.get().show_publicly is True


def test_a_partner_source_from_the_link_is_kept_and_junk_is_dropped(client, petition):
    html = client.get(f"/petitions/{petition.slug}/?source=newsletter-march").content.decode()
    assert 'value="newsletter-march"' in html
    sign(client, petition, source="newsletter-march")
    sign(client, petition, email="b@example.org", source="<script>")
    sources = dict(Signature.objects.values_list("email", "source"))
    assert sources == {"anna@example.org": "newsletter-march", "b@example.org": ""}


def test_signing_is_rate_limited_per_client_but_generously(client, petition):
    statuses = [
        sign(client, petition, email=f"person{n}@example.org").status_code for n in range(31)
    ]
    assert statuses[:30] == [302] * 30
    assert statuses[30] == 429
    assert Signature.objects.count() == 30


def test_the_delete_link_asks_first_then_deletes_and_lowers_the_count(client, petition):
    sign(client, petition)
    email = rendered().get()
    client.post(link_in(email, "confirm"))
    path = link_in(email, "delete")
    page = client.get(path)
    assert page.status_code == 200 and "Delete my signature" in page.content.decode()
    assert Signature.objects.exists()  # GET deletes nothing
    done = client.post(path)
    assert done.status_code == 200 and "Your signature is deleted" in done.content.decode()
    assert not Signature.objects.exists()
    petition.refresh_from_db()
    assert petition.signature_count == 0
    # Again (a double click, an old tab): the same page, nothing else changes.
    again = client.post(path)
    assert again.status_code == 200 and "Your signature is deleted" in again.content.decode()
    petition.refresh_from_db()
    assert petition.signature_count == 0


def test_deleting_an_unconfirmed_signature_leaves_the_count_alone(client, petition):
    make_signature(petition, confirmed=True)
    sign(client, petition)
    client.post(link_in(rendered().get(), "delete"))
    petition.refresh_from_db()
    assert petition.signature_count == 1
    assert Signature.objects.count() == 1


def test_a_confirmation_link_cannot_delete_and_a_delete_link_cannot_confirm(client, petition):
    sign(client, petition)
    email = rendered().get()
    confirm_token = link_in(email, "confirm").split("/")[3]
    delete_token = link_in(email, "delete").split("/")[3]
    assert client.post(f"/petitions/signature/{confirm_token}/delete/").status_code == 404
    assert client.post(f"/petitions/signature/{delete_token}/confirm/").status_code == 404
    assert Signature.objects.get().confirmed_at is None


def test_links_in_emails_sent_before_the_shared_link_module_still_work(client, petition):
    # Tokens made as the first emails made them: signing.dumps(pk) with the purpose's salt.
    signature = make_signature(petition, consent_author=True)
    confirm = signing.dumps(signature.pk, salt="petitions.confirm")
    manage = signing.dumps(signature.pk, salt="petitions.manage")
    assert client.get(f"/petitions/signature/{confirm}/confirm/").status_code == 200
    assert client.get(f"/petitions/signature/{manage}/delete/").status_code == 200
    assert client.get(f"/petitions/signature/{manage}/updates/").status_code == 200
    assert client.post(f"/petitions/signature/{confirm}/confirm/").status_code == 302
    assert Signature.objects.get().is_confirmed()


def test_the_updates_link_withdraws_both_consents_and_keeps_the_signature(client, petition):
    sign(client, petition, consent_author="on", consent_campaign="on")
    path = link_in(rendered().get(), "updates")
    client.get(path)
    assert Signature.objects.get().wants_updates()  # GET changes nothing
    response = client.post(path)
    assert "no more updates" in response.content.decode()
    signature = Signature.objects.get()
    assert not signature.consent_author and not signature.consent_campaign


def test_an_email_without_consents_has_no_updates_link(client, petition):
    sign(client, petition)
    assert "/updates/" not in rendered().get().body_text


def test_the_confirmation_email_has_a_text_and_an_html_part_with_both_links(client, petition):
    sign(client, petition)
    email = rendered().get()
    for body in (email.body_text, email.body_html):
        assert "/confirm/" in body and "/delete/" in body and "/my-data/" in body
    assert "Hello Anna" in email.body_text


def test_a_confirmed_signature_stays_confirmed_after_its_petition_closes(client, petition):
    sign(client, petition)
    path = link_in(rendered().get(), "confirm")
    client.post(path)
    petition.status = PetitionStatus.CLOSED
    petition.save()
    assert "already confirmed" in client.get(path).content.decode()
    assert client.post(path).status_code == 302
    petition.refresh_from_db()
    assert petition.signature_count == 1


def test_the_confirm_page_shows_the_choices_the_signer_is_confirming(client, petition):
    # A repeat on a pending signature (anyone can send one, from any site through the
    # widget) takes its new choices: the owner must see them before confirming.
    sign(client, petition)
    client.post(
        f"/petitions/{petition.slug}/embed/",
        embed_form(petition, show_publicly="on", consent_campaign="on"),
    )
    page = client.get(link_in(rendered().get(), "confirm")).content.decode()
    assert "Your first name and country will be shown on the petition page" in page
    assert "You will get updates about this campaign" in page
    assert "You will get updates from Sphere Foundation" not in page


def test_signing_takes_six_queries_and_one_once_the_petition_and_lists_are_cached(
    client, petition, django_assert_num_queries
):
    # The petition and its targets (cached for the next one: petitions.cache), the high-risk
    # list and whether anything is blocked (each cached in Redis for a minute and in the
    # process for a few seconds, allout.cache.local, so once warm neither costs a query nor
    # a Redis round trip; with no block at all, the address itself is not looked up), a
    # block of ids for signatures (allout.rows.next_id: one query per fifty), then one
    # statement (allout.mail.insert_new_with_email): the signature's INSERT ... ON CONFLICT
    # DO NOTHING, the recipient's mail budget (its lock and count) and the email's outbox
    # row, all or nothing. Nothing is published from the request: the outbox's trigger
    # wakes the relay. (Before: nine and five, with a savepoint, the INSERTs and the budget
    # apart.)
    with django_assert_num_queries(6):
        assert sign(client, petition).status_code == 302
    with django_assert_num_queries(1):
        assert sign(client, petition, email="second@example.org").status_code == 302
