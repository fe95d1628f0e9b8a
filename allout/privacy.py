"""What the platform holds about an email address, gathered from every app, and the link
to it that every email carries.

Each app registers a provider in its AppConfig.ready(): `collect(email)` returns the records
it holds as plain dicts and `erase(email)` deletes or anonymises them, returning how many.
The data-request page (reached through `data_request_url`) uses both, so allout never
imports an app's internals. A record's keys are labels a person reads (translated), and
each provider says in a sentence what deleting does to its records, so the page can say
exactly what will go before it asks to confirm.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from allout.links import absolute_url

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Provider:
    name: str
    collect: Callable[[str], list[dict]]
    erase: Callable[[str], int]
    title: StrOrPromise = ""
    # A person-readable label for each key of a record (the export keeps the keys).
    labels: Mapping[str, StrOrPromise] = field(default_factory=dict)
    # What deleting does to these records, in one sentence the page shows before asking.
    on_delete: StrOrPromise = ""
    # Erased in this order (then by name): the account goes last, once every app has let
    # go of it (events hand an organizer's past events to a placeholder first).
    order: int = 0


_providers: dict[str, Provider] = {}


def register(
    name: str,
    collect: Callable[[str], list[dict]],
    erase: Callable[[str], int],
    *,
    title: StrOrPromise = "",
    labels: Mapping[str, StrOrPromise] | None = None,
    on_delete: StrOrPromise = "",
    order: int = 0,
) -> None:
    _providers[name] = Provider(
        name, collect, erase, title or name, dict(labels or {}), on_delete, order
    )


def providers() -> list[Provider]:
    return sorted(_providers.values(), key=lambda provider: (provider.order, provider.name))


def collect(email: str) -> dict[str, list[dict]]:
    return {provider.name: provider.collect(email) for provider in providers()}


def erase(email: str) -> dict[str, int]:
    """Erase everything about `email`, all or nothing: a failure halfway leaves it all."""
    with transaction.atomic():
        return {provider.name: provider.erase(email) for provider in providers()}


# --- The data-request link -------------------------------------------------------------
DATA_REQUEST_SALT = "allout.data-request"


def _data_cipher() -> AESSIV:
    key = hashlib.sha512(f"{DATA_REQUEST_SALT}:{settings.SECRET_KEY}".encode()).digest()
    return AESSIV(key)


def data_request_token(email: str, *, today: datetime.date | None = None) -> str:
    """The address and the day, encrypted: proxy logs and browser history don't show it.

    AES-SIV is deterministic, so every email sent to one address on one day carries the same
    link (and tests can compare links); the day lets old links expire.
    """
    day = (today or timezone.now().date()).isoformat()
    sealed = _data_cipher().encrypt(f"{day}|{email.strip().lower()}".encode(), None)
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def email_from_data_token(token: str, *, max_age_days: int) -> str | None:
    """The address a data link was made for, or None if it is forged, broken or too old."""
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        day, email = _data_cipher().decrypt(sealed, None).decode().split("|", 1)
        issued = datetime.date.fromisoformat(day)
    except (ValueError, InvalidTag, binascii.Error, UnicodeDecodeError):
        return None
    if (timezone.now().date() - issued).days > max_age_days:
        return None
    return email


def data_request_url(email: str) -> str:
    """A link where the owner of `email` can export or delete their data."""
    return absolute_url(reverse("data_request", args=[data_request_token(email)]))
