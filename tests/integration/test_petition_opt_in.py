"""The petition's double opt-in through the real worker, broker and SMTP sink."""

import re

import pytest

from petitions.models import Signature
from tests.petitions.conftest import make_petition, sign_form

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def links_in(message) -> dict[str, str]:
    text = message.get_body(("plain",)).get_content()
    found = re.findall(r"https?://[^/\s]+(/petitions/signature/[^/\s]+/(\w+)/)", text)
    return {kind: path for path, kind in found}


def test_sign_receive_the_email_confirm_by_post_then_delete(client, celery_worker, mailbox):
    petition = make_petition()
    response = client.post(f"/petitions/{petition.slug}/sign/", sign_form(email="ana@example.org"))
    assert response.status_code == 302

    (message,) = mailbox.wait_for(lambda messages: len(messages) == 1)
    assert message["To"] == "ana@example.org"
    assert petition.title in message["Subject"]
    assert "/delete/" in message["List-Unsubscribe"]
    links = links_in(message)
    assert set(links) == {"confirm", "delete"}

    # Opening the link (as a mail scanner does) shows a button and counts nothing.
    assert client.get(links["confirm"]).status_code == 200
    petition.refresh_from_db()
    assert petition.signature_count == 0

    assert client.post(links["confirm"]).status_code == 302
    petition.refresh_from_db()
    assert petition.signature_count == 1

    client.post(links["delete"])
    petition.refresh_from_db()
    assert petition.signature_count == 0
    assert not Signature.objects.exists()
