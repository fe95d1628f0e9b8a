"""Signed links in a signer's emails: they carry the signature's id and prove the reader
holds the address it was sent to (allout.links). The confirmation link has its own salt;
the delete and stop-updates links share one.
"""

from __future__ import annotations

from datetime import timedelta

from allout.links import EmailLink, SignedLink

# Unconfirmed signatures are deleted once their confirmation link has expired.
CONFIRM_MAX_AGE = timedelta(days=30)
# Delete and unsubscribe links keep working for as long as anyone keeps the email.
MANAGE_MAX_AGE = timedelta(days=730)

CONFIRM = SignedLink(
    "petitions.confirm", max_age=CONFIRM_MAX_AGE, email_urls=frozenset({"petitions:confirm"})
)
MANAGE = SignedLink(
    "petitions.manage",
    max_age=MANAGE_MAX_AGE,
    email_urls=frozenset({"petitions:delete", "petitions:updates"}),
)


# The links in a signer's emails, made as the worker renders them (allout.links.EmailLink).
def confirm_link(signature_pk: int) -> EmailLink:
    return CONFIRM.email_link("petitions:confirm", signature_pk)


def delete_link(signature_pk: int) -> EmailLink:
    return MANAGE.email_link("petitions:delete", signature_pk)


def updates_link(signature_pk: int) -> EmailLink:
    return MANAGE.email_link("petitions:updates", signature_pk)
