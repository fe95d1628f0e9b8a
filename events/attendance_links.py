"""Signed links that let a participant confirm, cancel or see their event without an account.

Each purpose has its own salt (allout.links), so a forwarded "see your event" link cannot
cancel anyone. The links carry only the attendance id and never expire on their own: they
stop working when the row is erased some days after the event.
"""

from __future__ import annotations

from enum import StrEnum

from allout.links import EmailLink, SignedLink
from events.models import Attendance


class Purpose(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    VIEW = "view"


URL_NAMES = {
    Purpose.CONFIRM: "events:attendance_confirm",
    Purpose.CANCEL: "events:attendance_cancel",
    Purpose.VIEW: "events:attendance",
}

SIGNED = {
    purpose: SignedLink(f"events.attendance.{purpose}", email_urls=frozenset({URL_NAMES[purpose]}))
    for purpose in Purpose
}


def token(attendance: Attendance, purpose: Purpose) -> str:
    return SIGNED[purpose].token(attendance.pk)


def path(attendance: Attendance, purpose: Purpose) -> str:
    return SIGNED[purpose].path(URL_NAMES[purpose], attendance.pk)


def url(attendance: Attendance, purpose: Purpose) -> str:
    """The absolute link for emails."""
    return SIGNED[purpose].url(URL_NAMES[purpose], attendance.pk)


def email_link(attendance: Attendance, purpose: Purpose) -> EmailLink:
    """The absolute link, made as the worker renders the email (allout.links.EmailLink)."""
    return SIGNED[purpose].email_link(URL_NAMES[purpose], attendance.pk)


def attendance_id(value: str, purpose: Purpose) -> int | None:
    """The attendance id a link was signed for, or None when it was not signed by us."""
    return SIGNED[purpose].pk_from(value)
