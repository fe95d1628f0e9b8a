"""Factories and fixtures for petitions: petition → signature, chained."""

from __future__ import annotations

import re
from itertools import count

import pytest
from django.utils import timezone

from allout import mail
from allout.addresses import canonical_email
from allout.models import OutboxEmail
from petitions.models import Petition, PetitionCounter, Signature, Target

_numbers = count(1)


def make_petition(**kwargs) -> Petition:
    number = next(_numbers)
    kwargs.setdefault("slug", f"petition-{number}")
    kwargs.setdefault("title", f"Safe passage now ({number})")
    kwargs.setdefault("summary", "Open safe passage for LGBT+ people in danger.")
    kwargs.setdefault("text", "We urge you to **open safe passage**.")
    kwargs.setdefault("author", "Sphere Foundation")
    kwargs.setdefault("goal", 1000)
    return Petition.objects.create(**kwargs)


def make_target(petition: Petition, **kwargs) -> Target:
    kwargs.setdefault("name", "Volker Türk")
    kwargs.setdefault("title", "UN High Commissioner for Human Rights")
    return Target.objects.create(petition=petition, **kwargs)


def make_signature(petition: Petition, *, confirmed: bool = False, **kwargs) -> Signature:
    """A signature written straight to the table; confirmed ones are counted as well."""
    number = next(_numbers)
    kwargs.setdefault("first_name", f"Signer{number}")
    kwargs.setdefault("last_name", "Example")
    kwargs.setdefault("email", f"signer{number}@example.org")
    kwargs.setdefault("country", "DE")
    kwargs.setdefault("email_normalized", canonical_email(kwargs["email"]))
    if confirmed:
        kwargs.setdefault("confirmed_at", timezone.now())
    signature = Signature.objects.create(petition=petition, **kwargs)
    if signature.is_confirmed():
        PetitionCounter.objects.add(petition.pk, 1)
        petition.refresh_from_db()
    return signature


def sign_form(**kwargs) -> dict:
    """What the sign form POSTs."""
    kwargs.setdefault("first_name", "Anna")
    kwargs.setdefault("last_name", "Schmidt")
    kwargs.setdefault("email", "anna@example.org")
    kwargs.setdefault("country", "DE")
    kwargs.setdefault("postcode", "10115")
    return kwargs


def embed_form(petition: Petition, **kwargs) -> dict:
    """What the embed's form POSTs: sign_form() and the token the page gave this source."""
    from django.test import RequestFactory

    from petitions.views import embed_token

    # RequestFactory's REMOTE_ADDR is the test client's: the token is signed for it.
    return {"embed_token": embed_token(RequestFactory().get("/"), petition), **sign_form(**kwargs)}


def link_in(row: OutboxEmail, kind: str) -> str:
    """The path of the signed link of `kind` (confirm, delete, updates) in an email, its
    bodies rendered first as the worker renders them."""
    mail.render(row)
    match = re.search(rf"https?://[^/\s]+(/petitions/signature/[^/\s]+/{kind}/)", row.body_text)
    assert match, f"no {kind} link in {row.body_text!r}"
    return match.group(1)


@pytest.fixture
def petition(db) -> Petition:
    return make_petition()


@pytest.fixture
def signature(petition) -> Signature:
    return make_signature(petition)


@pytest.fixture
def confirmed_signature(petition) -> Signature:
    return make_signature(petition, confirmed=True)
