"""Taking part in an event: RSVP with double opt-in, reminders, the organizer's tools, erasure.

Each workflow runs in one transaction that changes the rows and queues its emails
(allout.mail writes them to the outbox in that same transaction), so an email never reports
a change that was rolled back and a change never goes unreported.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from events import participation_emails as emails
from events.models import Attendance, Campaign, Event, OrganizerMessage

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User

# An unconfirmed sign-up gets its confirmation email again at most this often.
RESEND_AFTER = datetime.timedelta(hours=1)
# Messages an organizer may send to their participants in any 24 hours.
MESSAGES_PER_DAY = 3
# Report photos are scaled down to fit this box and re-encoded without metadata.
PHOTO_MAX_PX = 1600
PHOTO_MAX_PIXELS = 50_000_000  # refuse decompression bombs before decoding them


class ParticipationError(Exception):
    """A rule of taking part was broken; the message is meant for the person who acted."""


class RSVPClosed(ParticipationError):
    pass


class MessageLimitReached(ParticipationError):
    pass


# --- Signing up ------------------------------------------------------------------------------
def normalize_email(email: str) -> str:
    return email.strip().lower()


def rsvp(event: Event, *, first_name: str, email: str, consent_organizer: bool) -> Attendance:
    """Record a sign-up and email a confirmation link, once per address and event.

    What happens to a repeat is invisible to the person submitting (the page is the same),
    so the form never tells anyone who else is coming.
    """
    if not event.accepts_rsvps():
        raise RSVPClosed(_("This event is not taking sign-ups."))
    normalized = normalize_email(email)
    # Accepted race: an RSVP committed while the organizer cancels the event may miss the
    # cancellation email; its confirmation link then says the event was cancelled.
    with transaction.atomic():
        attendance = _locked_attendance(event, normalized)
        if attendance is None:
            try:
                with transaction.atomic():  # a savepoint: a twin request may insert first
                    attendance = Attendance.objects.create(
                        event=event,
                        first_name=first_name,
                        email=email.strip(),
                        consent_organizer=consent_organizer,
                    )
            except IntegrityError:
                attendance = _locked_attendance(event, normalized)
            else:
                _send_confirmation_request(attendance)
                return attendance

        if attendance.status == Attendance.Status.CANCELLED:
            # Coming after all: a fresh sign-up, confirmed again by email.
            attendance.status = Attendance.Status.UNCONFIRMED
            attendance.first_name = first_name
            attendance.consent_organizer = consent_organizer
            attendance.cancelled_at = None
            attendance.save(
                update_fields=["status", "first_name", "consent_organizer", "cancelled_at"]
            )
            _send_confirmation_request(attendance)
        elif attendance.status == Attendance.Status.UNCONFIRMED:
            sent = attendance.confirmation_sent_at
            if sent is None or timezone.now() - sent >= RESEND_AFTER:
                _send_confirmation_request(attendance)
        # A confirmed repeat changes nothing and sends nothing.
        return attendance


def _locked_attendance(event: Event, normalized: str) -> Attendance | None:
    return (
        Attendance.objects.current()
        .select_for_update()
        .filter(event=event, email_normalized=normalized)
        .first()
    )


def _send_confirmation_request(attendance: Attendance) -> None:
    emails.attendance_confirm(attendance)
    attendance.confirmation_sent_at = timezone.now()
    attendance.save(update_fields=["confirmation_sent_at"])


def confirm(attendance: Attendance) -> Attendance:
    """Count a participant who proved their address; running it twice counts them once."""
    with transaction.atomic():
        attendance = (
            Attendance.objects.select_for_update(of=("self",))
            .select_related("event")
            .get(pk=attendance.pk)
        )
        if attendance.status == Attendance.Status.CONFIRMED:
            return attendance
        if attendance.status == Attendance.Status.CANCELLED:
            raise ParticipationError(
                _("You cancelled this sign-up. To come after all, sign up again on the event page.")
            )
        event = attendance.event
        if not event.accepts_rsvps():
            raise RSVPClosed(_("This event is no longer taking sign-ups."))
        now = timezone.now()
        attendance.status = Attendance.Status.CONFIRMED
        attendance.confirmed_at = now
        # The confirmation email says all a reminder would: skip reminders already due.
        for reminder in REMINDERS:
            if event.starts_at <= now + reminder.opens:
                setattr(attendance, reminder.field, event.starts_at)
        attendance.save()
        Event.objects.filter(pk=event.pk).update(participant_count=F("participant_count") + 1)
        event.refresh_from_db(fields=["participant_count"])
        emails.attendance_confirmed(attendance)
        return attendance


def cancel(attendance: Attendance) -> Attendance:
    """Withdraw a sign-up; a confirmed one stops being counted. Harmless when repeated."""
    with transaction.atomic():
        attendance = (
            Attendance.objects.select_for_update(of=("self",))
            .select_related("event")
            .get(pk=attendance.pk)
        )
        if attendance.status == Attendance.Status.CANCELLED:
            return attendance
        if attendance.event.is_over():
            raise ParticipationError(_("This event is over; there is nothing to cancel."))
        was_confirmed = attendance.status == Attendance.Status.CONFIRMED
        attendance.status = Attendance.Status.CANCELLED
        attendance.cancelled_at = timezone.now()
        attendance.save(update_fields=["status", "cancelled_at"])
        if was_confirmed:
            Event.objects.filter(pk=attendance.event_id).update(
                participant_count=F("participant_count") - 1
            )
        return attendance


def reveals_exact_place(attendance: Attendance) -> bool:
    """Whether this participant may see the exact meeting point: once confirmed, always."""
    return attendance.is_confirmed() and attendance.erased_at is None


# --- Reminders -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reminder:
    """A reminder due `opens` before the start and pointless later than `closes` before it."""

    name: str
    # The Attendance column holding the start time this reminder was sent for.
    field: str
    opens: datetime.timedelta
    closes: datetime.timedelta

    def due(self, now: datetime.datetime) -> QuerySet[Attendance]:
        """Confirmed participants of events in this reminder's window not yet reminded."""
        not_sent_for_this_start = Q(**{f"{self.field}__isnull": True}) | ~Q(
            **{self.field: F("event__starts_at")}
        )
        return (
            Attendance.objects.confirmed()
            .filter(
                event__status=Event.Status.APPROVED,
                event__starts_at__gt=now + self.closes,
                event__starts_at__lte=now + self.opens,
            )
            .filter(not_sent_for_this_start)
        )


DAY_BEFORE = Reminder(
    "day_before", "reminded_day_before_for", datetime.timedelta(days=1), datetime.timedelta(hours=3)
)
HOURS_BEFORE = Reminder(
    "hours_before", "reminded_hours_before_for", datetime.timedelta(hours=3), datetime.timedelta(0)
)
REMINDERS = (DAY_BEFORE, HOURS_BEFORE)


def send_reminders(*, batch_size: int = 200) -> int:
    """Queue every reminder that is due; each goes to each participant once. Returns how many."""
    sent = 0
    for reminder in REMINDERS:
        while True:
            count = _send_reminder_batch(reminder, batch_size)
            sent += count
            if count < batch_size:
                break
    return sent


def _send_reminder_batch(reminder: Reminder, batch_size: int) -> int:
    with transaction.atomic():
        # SKIP LOCKED: two sweeps running at once split the rows instead of both sending.
        # A row a concurrent sweep has just marked no longer matches once its lock is gone.
        attendances = list(
            reminder.due(timezone.now())
            .select_related("event")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")[:batch_size]
        )
        by_start: dict[datetime.datetime, list[int]] = defaultdict(list)
        for attendance in attendances:
            emails.attendance_reminder(attendance, reminder.name)
            by_start[attendance.event.starts_at].append(attendance.pk)
        # Mark each row with the start time it was reminded for, in the transaction that
        # queued its email: a rescheduled event no longer matches and is reminded anew.
        for starts_at, pks in by_start.items():
            Attendance.objects.filter(pk__in=pks).update(**{reminder.field: starts_at})
    return len(attendances)


# --- The organizer's tools ----------------------------------------------------------------
def messages_left_today(event: Event) -> int:
    since = timezone.now() - datetime.timedelta(days=1)
    sent = event.organizer_messages.filter(created_at__gt=since).count()
    return max(0, MESSAGES_PER_DAY - sent)


def message_participants(event: Event, actor: User, *, subject: str, body: str) -> OrganizerMessage:
    """Queue a message from the organizer to every confirmed participant."""
    with transaction.atomic():
        # Lock the event so two quick submissions cannot both pass the daily limit.
        event = Event.objects.select_for_update().get(pk=event.pk)
        if messages_left_today(event) == 0:
            raise MessageLimitReached(
                _("You have sent %(limit)d messages in the last 24 hours. Please wait a while.")
                % {"limit": MESSAGES_PER_DAY}
            )
        recipients = list(event.attendances.confirmed())
        if not recipients:
            raise ParticipationError(_("Nobody has confirmed yet, so there is nobody to message."))
        message = OrganizerMessage.objects.create(
            event=event, subject=subject, body=body, sent_by=actor, recipients=len(recipients)
        )
        for attendance in recipients:
            emails.organizer_message(attendance, message)
        return message


def cancel_event(event: Event, actor: User, *, note: str = "") -> int:
    """Cancel an event and tell everyone who signed up; returns how many were emailed."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status not in {Event.Status.PENDING, Event.Status.APPROVED} or event.is_over():
            raise ParticipationError(_("This event can no longer be cancelled."))
        event.status = Event.Status.CANCELLED
        event.cancelled_at = timezone.now()
        event.cancellation_note = note
        event.save(update_fields=["status", "cancelled_at", "cancellation_note", "updated_at"])
        # Unconfirmed sign-ups hear it too: they may come without having clicked the link.
        recipients = list(event.attendances.expected())
        for attendance in recipients:
            emails.event_cancelled(attendance, note=note)
        return len(recipients)


# The fields whose change participants must hear about. Forms may name them this way or
# pass what_changed(before, after).
TIME_FIELDS = frozenset({"starts_at", "ends_at"})
PLACE_FIELDS = frozenset({"point", "meeting_point", "address", "city", "country", "embassy"})


def what_changed(before: Event, after: Event) -> set[str]:
    """The time and place fields that differ between two versions of an event."""
    # attname: compare the embassy's id, not the embassy (no query).
    attnames = {name: Event._meta.get_field(name).attname for name in TIME_FIELDS | PLACE_FIELDS}
    return {
        name for name, attr in attnames.items() if getattr(before, attr) != getattr(after, attr)
    }


def notify_changed(event: Event, changed_fields: Iterable[str], actor: User | None = None) -> int:
    """Email every confirmed participant when an approved event's time or place changed.

    Call it in the transaction that saves the change. Reminders follow by themselves: they
    are kept per start time. Returns how many were emailed.
    """
    changed = set(changed_fields) & (TIME_FIELDS | PLACE_FIELDS)
    if not changed or not event.accepts_rsvps():
        return 0
    recipients = list(event.attendances.confirmed())
    for attendance in recipients:
        attendance.event = event  # the new version, not a stale copy
        emails.event_changed(
            attendance,
            time_changed=bool(changed & TIME_FIELDS),
            place_changed=bool(changed & PLACE_FIELDS),
        )
    return len(recipients)


class PhotoError(ValueError):
    pass


def clean_photo(upload: UploadedFile) -> ContentFile:
    """The photo scaled to fit PHOTO_MAX_PX and re-encoded as JPEG with no metadata at all.

    Photos from phones carry GPS coordinates and device details in EXIF: re-encoding the
    pixels alone is the sure way to drop them (and whatever else hides in the file).
    """
    try:
        with Image.open(upload, formats=("JPEG", "PNG", "WEBP")) as image:
            if image.width * image.height > PHOTO_MAX_PIXELS:
                raise PhotoError(_("This photo is too large. Please send a smaller one."))
            image = ImageOps.exif_transpose(image)  # keep it upright once the tag is gone
            image = image.convert("RGB")
            image.thumbnail((PHOTO_MAX_PX, PHOTO_MAX_PX))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise PhotoError(_("This file is not a photo we can read (JPEG, PNG or WebP).")) from exc
    return ContentFile(buffer.getvalue())


def save_report(
    event: Event,
    actor: User,
    *,
    turnout: int,
    text: str,
    photo: ContentFile | None,
    remove_photo: bool,
) -> Event:
    """Store the organizer's report after the event; it shows on the public page."""
    if not event.accepts_report():
        raise ParticipationError(_("You can report on the event once it is over."))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        event.turnout = turnout
        event.report_text = text
        event.reported_at = timezone.now()
        old_photo = event.report_photo.name if (photo or remove_photo) else ""
        if photo is not None:
            event.report_photo.save(f"{event.slug}.jpg", photo, save=False)
        elif remove_photo:
            event.report_photo = ""
        event.save(
            update_fields=["turnout", "report_text", "reported_at", "report_photo", "updated_at"]
        )
        if old_photo:
            storage = event.report_photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))
    return event


# --- Erasure and the data page -------------------------------------------------------------
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


def collect_personal_data(email: str) -> list[dict]:
    """What an address's owner sees on their data page (allout.privacy)."""
    attendances = (
        Attendance.objects.current()
        .filter(email_normalized=normalize_email(email))
        .select_related("event")
    )
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
    return _anonymise(Attendance.objects.current().filter(email_normalized=normalize_email(email)))


# --- Recap after the day -------------------------------------------------------------------
@dataclass
class CityRecap:
    city: str
    country: str
    country_name: str
    lat: float
    lng: float
    events: int = 0
    # The sum of the turnouts organizers reported, and how many reported.
    turnout: int = 0
    reported: int = 0


@dataclass
class Recap:
    cities: list[CityRecap]

    @property
    def events(self) -> int:
        return sum(city.events for city in self.cities)

    @property
    def turnout(self) -> int:
        return sum(city.turnout for city in self.cities)


def recap(campaign: Campaign) -> Recap:
    """Where the campaign's events took place, one entry per city, with reported turnout."""
    events = (
        Event.objects.approved()
        .filter(campaign=campaign)
        .only("city", "country", "public_point", "turnout")
        .order_by("country", "city", "pk")
    )
    cities: dict[tuple[str, str], CityRecap] = {}
    for event in events:
        key = (str(event.country), event.city.strip().casefold())
        city = cities.get(key)
        if city is None:
            # The first event's public point stands for the city: never an exact hidden one.
            city = cities[key] = CityRecap(
                city=event.city.strip(),
                country=str(event.country),
                country_name=str(event.country.name),
                lat=event.public_point.y,
                lng=event.public_point.x,
            )
        city.events += 1
        if event.turnout is not None:
            city.turnout += event.turnout
            city.reported += 1
    return Recap(sorted(cities.values(), key=lambda c: (c.country_name, c.city)))
