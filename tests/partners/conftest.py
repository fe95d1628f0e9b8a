"""Factories and fixtures for partners: organization → key, and its petition."""

from __future__ import annotations

from itertools import count

import pytest
from django.contrib.auth import get_user_model

from partners import services
from partners.models import ApiKey, PartnerOrganization
from petitions.models import Petition
from tests.petitions.conftest import make_petition

_numbers = count(1)


def make_organization(**kwargs) -> PartnerOrganization:
    number = next(_numbers)
    kwargs.setdefault("name", f"Partner {number}")
    kwargs.setdefault("slug", f"partner-{number}")
    kwargs.setdefault("contact_email", f"partner{number}@example.org")
    return PartnerOrganization.objects.create(**kwargs)


def make_key(organization: PartnerOrganization, **kwargs) -> tuple[ApiKey, str]:
    """A key issued the way staff issue one: its row and the key, seen this once."""
    kwargs.setdefault("name", "CRM sync")
    issuer = kwargs.pop("issuer", None) or get_user_model().objects.create_user(
        username=f"issuer{next(_numbers)}@example.org"
    )
    api_key = ApiKey(organization=organization, **kwargs)
    key = services.issue_key(api_key, issuer)
    return api_key, key


def pull_url(petition: Petition) -> str:
    return f"/api/v1/petitions/{petition.slug}/signatures/"


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def organization(db) -> PartnerOrganization:
    return make_organization(name="Sphere Foundation", slug="sphere")


@pytest.fixture
def authored_petition(organization) -> Petition:
    return make_petition(author_organization=organization)


@pytest.fixture
def issued(organization) -> tuple[ApiKey, str]:
    return make_key(organization)


@pytest.fixture
def key(issued) -> str:
    return issued[1]
