"""Signed links in the emails about a protest alert: confirm it, and stop it.

Built on allout.links like a participant's links (events.attendance_links), each purpose
with its own salt, so a forwarded alert email cannot confirm anything. They carry only the
alert's id and stop working when the alert is deleted (unsubscribed or erased).
"""

from __future__ import annotations

from enum import StrEnum

from allout.links import SignedLink
from events.models import ProtestAlert


class Purpose(StrEnum):
    CONFIRM = "confirm"
    UNSUBSCRIBE = "unsubscribe"


URL_NAMES = {
    Purpose.CONFIRM: "events:alert_confirm",
    Purpose.UNSUBSCRIBE: "events:alert_unsubscribe",
}

SIGNED = {purpose: SignedLink(f"events.alert.{purpose}") for purpose in Purpose}


def url(alert: ProtestAlert, purpose: Purpose) -> str:
    """The absolute link, for emails."""
    return SIGNED[purpose].url(URL_NAMES[purpose], alert.pk)


def alert_id(value: str, purpose: Purpose) -> int | None:
    """The alert id a link was signed for, or None when it was not signed by us."""
    return SIGNED[purpose].pk_from(value)
