"""Signed links in a signer's emails: they carry the signature's id and prove the reader
holds the address it was sent to. Each purpose has its own salt, so a link made for one
action never works for another.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.urls import reverse

from allout.mail import absolute_url

CONFIRM_SALT = "petitions.confirm"
MANAGE_SALT = "petitions.manage"
# Unconfirmed signatures are deleted once their confirmation link has expired.
CONFIRM_MAX_AGE = timedelta(days=30)
# Delete and unsubscribe links keep working for as long as anyone keeps the email.
MANAGE_MAX_AGE = timedelta(days=730)


def confirm_token(signature_pk: int) -> str:
    return signing.dumps(signature_pk, salt=CONFIRM_SALT)


def manage_token(signature_pk: int) -> str:
    return signing.dumps(signature_pk, salt=MANAGE_SALT)


def confirm_url(signature_pk: int) -> str:
    return absolute_url(reverse("petitions:confirm", args=[confirm_token(signature_pk)]))


def delete_url(signature_pk: int) -> str:
    return absolute_url(reverse("petitions:delete", args=[manage_token(signature_pk)]))


def updates_url(signature_pk: int) -> str:
    return absolute_url(reverse("petitions:updates", args=[manage_token(signature_pk)]))


def signature_pk_from(token: str, *, salt: str, max_age: timedelta) -> int | None:
    """The signature id a link carries, or None when it is forged, mangled or expired."""
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
