"""What the platform holds about an email address, gathered from every app, and the link
to it that every email carries.

Each app registers a provider in its AppConfig.ready(): `collect(email)` returns the records
it holds as plain dicts and `erase(email)` deletes or anonymises them, returning how many.
The data-request page (reached through `data_request_url`) uses both, so allout never
imports an app's internals.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from allout.links import absolute_url


@dataclass(frozen=True)
class Provider:
    name: str
    collect: Callable[[str], list[dict]]
    erase: Callable[[str], int]


_providers: dict[str, Provider] = {}


def register(name: str, collect: Callable[[str], list[dict]], erase: Callable[[str], int]) -> None:
    _providers[name] = Provider(name, collect, erase)


def collect(email: str) -> dict[str, list[dict]]:
    return {name: provider.collect(email) for name, provider in sorted(_providers.items())}


def erase(email: str) -> dict[str, int]:
    return {name: provider.erase(email) for name, provider in sorted(_providers.items())}


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
