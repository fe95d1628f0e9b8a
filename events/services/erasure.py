"""Participants' personal data: erased a set number of days after their event (counts stay),
and shown or erased on request from the data page (allout.privacy); and an organizer's
events, when the organizer deletes their account from that page.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allout.account_data import accounts_of
from allout.addresses import canonical_email
from events.models import Attendance, Event, OrganizerMessage
from events.services import cohosts, organizer


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
            "first_name": a.first_name,
            "email": a.email,
            "status": a.get_status_display(),
            "organizer_may_contact": a.consent_organizer,
            "email_language": a.get_language_display(),
            "signed_up": a.created_at,
        }
        for a in attendances
    ]


SIGN_UP_LABELS = {
    "event": gettext_lazy("Event"),
    "starts": gettext_lazy("Starts (local time)"),
    "first_name": gettext_lazy("First name"),
    "email": gettext_lazy("Email"),
    "status": gettext_lazy("Status"),
    "organizer_may_contact": gettext_lazy("The organizer may contact me"),
    "email_language": gettext_lazy("Language of our emails"),
    "signed_up": gettext_lazy("Signed up"),
}


def erase_personal_data(email: str) -> int:
    """Erase an address from every sign-up on request (allout.privacy); counts stay."""
    return _anonymise(_of_address(email))


# --- An organizer's events, when the organizer deletes their account ---------------------
DELETED_ORGANIZER_USERNAME = "deleted-organizer"


def deleted_organizer() -> AbstractUser:
    """The placeholder that holds the past events of organizers who deleted their account.

    The events stay (the recap and the counts add them up) but point at no person. It has
    no address and no password, and is inactive: nobody can log in as it.
    """
    user, created = get_user_model().objects.get_or_create(
        username=DELETED_ORGANIZER_USERNAME,
        defaults={"email": "", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _organized_by(email: str) -> QuerySet[Event]:
    return Event.objects.filter(organizer__in=accounts_of(email))


def collect_organized_events(email: str) -> list[dict]:
    events = _organized_by(email).order_by("starts_at")
    return [
        {
            "event": event.title,
            "starts": event.local_starts_at().isoformat(),
            "place": f"{event.city}, {event.country.name}",
            "status": event.get_status_display(),
            "public_display_name": event.organizer_name,
            "confirmed_participants": event.participant_count,
            "registered": event.created_at,
        }
        for event in events
    ]


ORGANIZED_EVENT_LABELS = {
    "event": gettext_lazy("Event"),
    "starts": gettext_lazy("Starts (local time)"),
    "place": gettext_lazy("Place"),
    "status": gettext_lazy("Status"),
    "public_display_name": gettext_lazy("Your public display name"),
    "confirmed_participants": gettext_lazy("Confirmed participants"),
    "registered": gettext_lazy("Registered"),
}


def erase_organized_events(email: str) -> int:
    """Cancel the account's upcoming events (their participants are emailed) and keep the
    past ones as counts only: no organizer, no display name, no report, no participants'
    names; returns how many events were touched. Staff accounts keep theirs (allout's
    account eraser does not delete them either)."""
    owners = [user for user in accounts_of(email) if not (user.is_staff or user.is_superuser)]
    events = list(Event.objects.filter(organizer__in=owners).order_by("pk"))
    # Co-hosting ends with the organizer's account, and with the co-host's own: before the
    # account goes, so no invitation outlives it and no address stays behind.
    cohosts.end_for_erasure(email, events)
    if not events:
        return 0
    note = _("The organizer deleted their account, so this event will not take place.")
    now = timezone.now()
    with transaction.atomic():
        for event in events:
            upcoming = not event.is_over(now)
            if upcoming and event.status in {Event.Status.PENDING, Event.Status.APPROVED}:
                organizer.cancel_event(event, event.organizer, note=note)
        photos = [event.report_photo.name for event in events if event.report_photo]
        pks = [event.pk for event in events]
        Event.objects.filter(pk__in=pks).update(
            organizer=deleted_organizer(),
            organizer_name=_("a former organizer"),
            report_text="",
            report_photo="",
            updated_at=now,
        )
        # Their messages to participants were the organizer's words; the count of
        # participants stays on the event.
        OrganizerMessage.objects.filter(event_id__in=pks).delete()
        past = Attendance.objects.current().filter(event_id__in=pks, event__ends_at__lt=now)
        _anonymise(past)
        if photos:
            transaction.on_commit(lambda: _delete_files(photos))
    return len(events)


def _delete_files(names: list[str]) -> None:
    storage = Event._meta.get_field("report_photo").storage
    for name in names:
        storage.delete(name)
