"""A signer's emails are written in the language of the page they signed on."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from petitions.models import Signature
from tests.outbox import rendered
from tests.petitions.conftest import make_signature, sign_form

pytestmark = pytest.mark.django_db


def said(language: str, msgid: str, **values) -> str:
    with translation.override(language):
        return translation.gettext(msgid) % values


def test_a_russian_signer_gets_a_russian_confirmation_whose_link_works(client, petition):
    response = client.post(f"/ru/petitions/{petition.slug}/sign/", sign_form())
    assert response.status_code == 302
    assert Signature.objects.get().language == "ru"
    row = rendered().get(kind="petition_confirm")
    assert row.language == "ru"
    expected = said("ru", "Please confirm your signature: %(title)s", title=petition.title)
    assert row.subject == expected
    assert expected != said("en", "Please confirm your signature: %(title)s", title=petition.title)
    link = re.search(r"https?://[^/\s]+(/ru/petitions/signature/[^/\s]+/confirm/)", row.body_text)
    assert link, row.body_text
    assert client.post(link.group(1)).status_code == 302
    assert Signature.objects.get().is_confirmed()


def test_accept_language_on_the_unprefixed_page_is_the_signers_language(client, petition):
    client.post(f"/petitions/{petition.slug}/sign/", sign_form(), HTTP_ACCEPT_LANGUAGE="fr")
    assert Signature.objects.get().language == "fr"
    assert rendered().get(kind="petition_confirm").language == "fr"


def test_a_repeat_tells_the_owner_in_the_language_they_signed_in(client, petition):
    make_signature(petition, email="anna@example.org", confirmed=True, language="de")
    client.post(f"/ru/petitions/{petition.slug}/sign/", sign_form(email="anna@example.org"))
    row = rendered().get(kind="petition_already_signed")
    assert row.language == "de"
    assert Signature.objects.get().language == "de"
