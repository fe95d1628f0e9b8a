"""The signed link in a co-host invitation (built on allout/links.py).

Unlike a participant's links these expire: a co-host sees the participant list, and a link
lying in an old mailbox or a forwarded message must not open it (SPEC: participants can be
prosecuted for taking part). The link is also single-use and bound to the invited address;
events.services.cohosts checks both on the row.
"""

from __future__ import annotations

from datetime import timedelta

from allout.links import SignedLink

INVITATION_DAYS = 7
SIGNED = SignedLink("events.cohost.accept", max_age=timedelta(days=INVITATION_DAYS))
URL_NAME = "events:cohost_accept"


def url(cohost_pk: int) -> str:
    """The absolute link for the invitation email."""
    return SIGNED.url(URL_NAME, cohost_pk)


def cohost_id(token: str) -> int | None:
    """The invitation a link was signed for, or None when forged, mangled or expired."""
    return SIGNED.pk_from(token)
