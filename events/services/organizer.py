"""The organizer's tools: messages to participants, cancelling, and the outcome after the day."""

from __future__ import annotations

import datetime
import io
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from events import emails
from events.errors import (
    InvalidTransition,
    MessageLimitReached,
    NoParticipants,
    OutcomeTooEarly,
    UnreadablePhoto,
)
from events.models import Event, OrganizerMessage

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Messages an organizer may send to their participants in any 24 hours.
MESSAGES_PER_DAY = 3
# Outcome photos are scaled down to fit this box and re-encoded without metadata.
PHOTO_MAX_PX = 1600
PHOTO_MAX_PIXELS = 50_000_000  # refuse decompression bombs before decoding them


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
            raise NoParticipants(_("Nobody has confirmed yet, so there is nobody to message."))
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
            raise InvalidTransition(_("This event can no longer be cancelled."))
        event.status = Event.Status.CANCELLED
        event.cancelled_at = timezone.now()
        event.cancellation_note = note
        event.save(update_fields=["status", "cancelled_at", "cancellation_note", "updated_at"])
        # Unconfirmed sign-ups hear it too: they may come without having clicked the link.
        recipients = list(event.attendances.expected())
        for attendance in recipients:
            emails.event_cancelled(attendance, note=note)
        return len(recipients)


def clean_photo(upload: UploadedFile) -> ContentFile:
    """The photo scaled to fit PHOTO_MAX_PX and re-encoded as JPEG with no metadata at all.

    Photos from phones carry GPS coordinates and device details in EXIF: re-encoding the
    pixels alone is the sure way to drop them (and whatever else hides in the file).
    """
    try:
        with Image.open(upload, formats=("JPEG", "PNG", "WEBP")) as opened:
            if opened.width * opened.height > PHOTO_MAX_PIXELS:
                raise UnreadablePhoto(_("This photo is too large. Please send a smaller one."))
            upright = ImageOps.exif_transpose(opened)  # keep it upright once the tag is gone
            image = upright.convert("RGB")
            image.thumbnail((PHOTO_MAX_PX, PHOTO_MAX_PX))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadablePhoto(
            _("This file is not a photo we can read (JPEG, PNG or WebP).")
        ) from exc
    return ContentFile(buffer.getvalue())


def save_outcome(
    event: Event,
    actor: User,
    *,
    turnout: int,
    text: str,
    photo: ContentFile | None,
    remove_photo: bool,
) -> Event:
    """Store the outcome the organizer reports after the event; it shows on the public page."""
    if not event.accepts_outcome():
        raise OutcomeTooEarly(_("You can report how it went once the event is over."))
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
