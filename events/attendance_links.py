"""Signed links that let a participant confirm, cancel or see their event without an account.

Each purpose has its own salt, so a forwarded "see your event" link cannot cancel anyone.
The links carry only the attendance id and never expire on their own: they stop working
when the row is erased some days after the event.
"""

from __future__ import annotations

from enum import StrEnum

from django.core import signing
from django.urls import reverse

from allout import mail
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


def _salt(purpose: Purpose) -> str:
    return f"events.attendance.{purpose}"


def token(attendance: Attendance, purpose: Purpose) -> str:
    return signing.dumps(attendance.pk, salt=_salt(purpose))


def path(attendance: Attendance, purpose: Purpose) -> str:
    return reverse(URL_NAMES[purpose], args=[token(attendance, purpose)])


def url(attendance: Attendance, purpose: Purpose) -> str:
    """The absolute link for emails."""
    return mail.absolute_url(path(attendance, purpose))


def attendance_id(value: str, purpose: Purpose) -> int | None:
    """The attendance id a link was signed for, or None when it was not signed by us."""
    try:
        pk = signing.loads(value, salt=_salt(purpose))
    except signing.BadSignature:
        return None
    return pk if isinstance(pk, int) else None
