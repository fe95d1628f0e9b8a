"""Signed links in a signer's emails: they carry the signature's id and prove the reader
holds the address it was sent to (allout.links). The confirmation link has its own salt;
the delete and stop-updates links share one.
"""

from __future__ import annotations

from datetime import timedelta

from allout.links import SignedLink

# Unconfirmed signatures are deleted once their confirmation link has expired.
CONFIRM_MAX_AGE = timedelta(days=30)
# Delete and unsubscribe links keep working for as long as anyone keeps the email.
MANAGE_MAX_AGE = timedelta(days=730)

CONFIRM = SignedLink("petitions.confirm", max_age=CONFIRM_MAX_AGE)
MANAGE = SignedLink("petitions.manage", max_age=MANAGE_MAX_AGE)


def confirm_url(signature_pk: int) -> str:
    return CONFIRM.url("petitions:confirm", signature_pk)


def delete_url(signature_pk: int) -> str:
    return MANAGE.url("petitions:delete", signature_pk)


def updates_url(signature_pk: int) -> str:
    return MANAGE.url("petitions:updates", signature_pk)
