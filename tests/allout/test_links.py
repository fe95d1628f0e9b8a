from datetime import timedelta

import time_machine
from django.core import signing
from django.utils import timezone

from allout.links import SignedLink, absolute_url


def test_a_signed_link_gives_back_the_id_it_was_made_for():
    link = SignedLink("tests.one")
    assert link.pk_from(link.token(42)) == 42


def test_a_token_signed_for_one_purpose_is_refused_by_another():
    assert SignedLink("tests.two").pk_from(SignedLink("tests.one").token(42)) is None


def test_a_mangled_or_forged_token_gives_no_id():
    link = SignedLink("tests.one")
    assert link.pk_from(link.token(42) + "x") is None
    assert link.pk_from("not-a-token") is None
    assert link.pk_from(signing.dumps("42", salt="tests.one")) is None  # not an id


def test_a_link_with_a_max_age_expires_and_one_without_does_not():
    expiring = SignedLink("tests.one", max_age=timedelta(days=30))
    lasting = SignedLink("tests.one")
    token = expiring.token(7)
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert expiring.pk_from(token) == 7
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert expiring.pk_from(token) is None
        assert lasting.pk_from(token) == 7


def test_a_token_signed_the_way_emails_already_sent_were_signed_is_accepted():
    assert SignedLink("tests.one").pk_from(signing.dumps(42, salt="tests.one")) == 42


def test_absolute_urls_start_with_the_public_site_address(settings):
    settings.SITE_URL = "https://dayofaction.example.org"
    assert absolute_url("/events/") == "https://dayofaction.example.org/events/"
    link = SignedLink("petitions.confirm")
    url = link.url("petitions:confirm", 5)
    assert url.startswith("https://dayofaction.example.org/petitions/signature/")
    assert link.pk_from(url.rstrip("/").split("/")[-2]) == 5
