"""Participants' personal data: erased a set number of days after their event (counts stay),
and shown or erased on request from the data page (allout.privacy)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from allout.addresses import canonical_email
from events.models import Attendance


def _anonymise(attendances: QuerySet[Attendance]) -> int:
    placeholder = Concat(Value("erased-"), Cast("pk", CharField()), Value("@invalid"))
    return attendances.update(
        first_name="",
        email=placeholder,
        email_normalized=placeholder,
        consent_organizer=False,
        erased_at=timezone.now(),
    )


def erase_past_participants(*, days: int | None = None) -> int:
    """Blank the names and emails of participants of events that ended `days` ago or more.

    Status and the event's count stay, so past turnout keeps adding up.
    """
    days = settings.PARTICIPANT_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    return _anonymise(Attendance.objects.current().filter(event__ends_at__lt=cutoff))


def _of_address(email: str) -> QuerySet[Attendance]:
    """The current sign-ups of an address, under any spelling of it.

    Also under the lowercased spelling itself: where one event held two spellings of an
    address before the Gmail rules, the migration *_attendance_canonical_email left the
    second its old value.
    """
    spellings = {canonical_email(email), email.strip().lower()}
    return Attendance.objects.current().filter(email_normalized__in=spellings)


def collect_personal_data(email: str) -> list[dict]:
    """What an address's owner sees on their data page (allout.privacy)."""
    attendances = _of_address(email).select_related("event")
    return [
        {
            "event": a.event.title,
            "starts": a.event.local_starts_at().isoformat(),
            "first name": a.first_name,
            "email": a.email,
            "status": a.get_status_display(),
            "the organizer may contact me": a.consent_organizer,
            "signed up": a.created_at.isoformat(),
        }
        for a in attendances
    ]


def erase_personal_data(email: str) -> int:
    """Erase an address from every sign-up on request (allout.privacy); counts stay."""
    return _anonymise(_of_address(email))
