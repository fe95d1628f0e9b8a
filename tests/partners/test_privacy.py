"""Signers are told, before they tick it and in the privacy notice, that asking for the
author's updates shares their details with the author organization."""

import pytest

from petitions import services
from tests.petitions.conftest import make_petition

pytestmark = pytest.mark.django_db

SHARED = b"we share your name, email, country and postcode with Sphere Foundation"


def test_the_sign_form_says_what_the_authors_consent_shares(client, authored_petition):
    page = client.get(f"/petitions/{authored_petition.slug}/")
    assert page.status_code == 200
    assert SHARED in page.content
    assert b"author alone, and only if you ask for its updates" in page.content


def test_without_an_author_organization_nothing_is_said_to_be_shared(client, db):
    petition = make_petition()
    page = client.get(f"/petitions/{petition.slug}/")
    assert SHARED not in page.content


def test_the_privacy_notice_says_who_gets_the_signers_who_asked_for_updates(client, db):
    english = client.get("/privacy/").content.decode()
    assert "we share your name, email, country, postcode" in english
    russian = client.get("/ru/privacy/").content.decode()
    assert "передаём ваше имя, адрес почты, страну, почтовый индекс" in russian


def test_only_a_signer_told_of_the_sharing_is_recorded_as_agreeing_to_it(authored_petition):
    """The form says the author organization gets the details only where the petition has
    one: a tick on another petition's box (or one given before the form said so, stored
    before this field) never reaches a partner's key."""
    told = services.sign(authored_petition, consent_author=True, **DETAILS)
    untold = services.sign(make_petition(), consent_author=True, **DETAILS)
    declined = services.sign(make_petition(), consent_author=False, **DETAILS)
    assert told.consent_author_shared is True
    assert untold.consent_author_shared is False and untold.consent_author is True
    assert declined.consent_author_shared is False


DETAILS = {
    "first_name": "Anna",
    "last_name": "Schmidt",
    "email": "anna@example.org",
    "country": "DE",
}
