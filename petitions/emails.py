"""Every email a signer receives: one small function per message, through allout.mail.

Each carries the link to delete the signature (as its unsubscribe link) and, when the
signer agreed to hear from the author or the campaign, a link to stop those updates. Each
is written in the language of the page they signed on (Signature.language), links too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import translation

from allout import mail
from allout.links import absolute_url
from petitions import links

if TYPE_CHECKING:
    from petitions.models import Signature


def _context(signature: Signature) -> dict:
    return {
        "signature": signature,
        "petition": signature.petition,
        "petition_url": absolute_url(signature.petition.get_absolute_url()),
        "delete_url": links.delete_link(signature.pk),
        "updates_url": links.updates_link(signature.pk) if signature.wants_updates() else "",
    }


def _to_signer(template: str, signature: Signature, context: dict | None = None) -> None:
    with translation.override(signature.language):
        context = {**_context(signature), **(context or {})}
        mail.queue(
            template,
            signature.email,
            context,
            language=signature.language,
            unsubscribe_url=context["delete_url"],
        )


def confirm_signature(signature: Signature) -> None:
    """The double opt-in: a link to a page where the signer confirms with a button."""
    _to_signer(
        "petition_confirm",
        signature,
        {
            "confirm_url": links.confirm_link(signature.pk),
            "confirm_days": links.CONFIRM_MAX_AGE.days,
        },
    )


def already_signed(signature: Signature) -> None:
    """Someone signed again with a confirmed address: tell its owner, and nobody else,
    in the language they signed in."""
    _to_signer("petition_already_signed", signature)
