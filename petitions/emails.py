"""Every email a signer receives: one small function per message, through allout.mail.

Each carries the link to delete the signature (as its unsubscribe link) and, when the
signer agreed to hear from the author or the campaign, a link to stop those updates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
        "delete_url": links.delete_url(signature.pk),
        "updates_url": links.updates_url(signature.pk) if signature.wants_updates() else "",
    }


def confirm_signature(signature: Signature) -> None:
    """The double opt-in: a link to a page where the signer confirms with a button."""
    context = _context(signature)
    context["confirm_url"] = links.confirm_url(signature.pk)
    context["confirm_days"] = links.CONFIRM_MAX_AGE.days
    mail.queue("petition_confirm", signature.email, context, unsubscribe_url=context["delete_url"])


def already_signed(signature: Signature) -> None:
    """Someone signed again with a confirmed address: tell its owner, and nobody else."""
    context = _context(signature)
    mail.queue(
        "petition_already_signed", signature.email, context, unsubscribe_url=context["delete_url"]
    )
