"""Signing up for an event: RSVP with double opt-in, confirm, cancel.

Each step runs in one transaction that changes the rows and queues its emails (allout.mail
writes them to the outbox in that same transaction), so an email never reports a change that
was rolled back and a change never goes unreported.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from allout import mail, pages
from allout.addresses import canonical_email
from allout.blocking import is_blocked
from allout.i18n import current_language
from allout.rows import next_id
from events import emails
from events.access import page_name
from events.errors import EventOver, RSVPClosed, SignUpCancelled
from events.models import Attendance, Event
from events.services.reminders import REMINDERS

# An unconfirmed sign-up gets its confirmation email again at most this often.
RESEND_AFTER = datetime.timedelta(hours=1)


def rsvp(event: Event, *, first_name: str, email: str, consent_organizer: bool) -> Attendance:
    """Record a sign-up and email a confirmation link, once per address and event.

    What happens to a repeat is invisible to the person submitting (the page and the work
    are the same; the worker takes the repeat: rsvp_again), so the form never tells anyone
    who else is coming. For a repeat, what is returned is the sign-up as typed, not stored.
    """
    if not event.accepts_rsvps():
        raise RSVPClosed(_("This event is not taking sign-ups."))
    if is_blocked(email):
        # Silently (allout.blocking): the same page as anyone's, and nothing stored or sent.
        return Attendance(
            event=event, first_name=first_name, email=email, consent_organizer=consent_organizer
        )
    normalized = canonical_email(email)
    # Accepted race: an RSVP committed while the organizer cancels the event may miss the
    # cancellation email; its confirmation link then says the event was cancelled.
    attendance = Attendance(
        pk=next_id(Attendance),  # its email's links carry it
        event=event,
        first_name=first_name,
        email=email.strip(),
        email_normalized=normalized,
        consent_organizer=consent_organizer,
        language=current_language(),
        confirmation_sent_at=timezone.now(),
    )
    with mail.held() as held:
        emails.attendance_confirm(attendance, checked_unblocked=True)  # asked above; built
    # One statement for a new sign-up and its email or, for a repeat (a current sign-up of
    # the address, or a racing twin once it commits), the worker's decision about it
    # (rsvp_again) in its place: the same work either way, so the time of the answer does
    # not tell who else is coming.
    repeat = mail.deferred_row(
        REPEAT,
        attendance.email,
        {
            "event": event,
            "email_normalized": normalized,
            "first_name": first_name,
            "consent_organizer": consent_organizer,
            "language": attendance.language,
        },
        language=attendance.language,
    )
    mail.insert_new_with_email(attendance, held, otherwise=repeat)
    return attendance


# The worker's decision about a repeat sign-up (allout.mail.deferred).
REPEAT = "attendance_repeat"


@mail.deferred(REPEAT)
def rsvp_again(context: dict) -> None:
    """A repeat of a sign-up, as the worker takes it: a cancelled one becomes a fresh
    sign-up, confirmed again by email; an unconfirmed one gets its link again at most once
    an hour; a confirmed one changes nothing and sends nothing."""
    event = context["event"]
    if not event.accepts_rsvps():
        return
    try:
        attendance = _locked_attendance(event, context["email_normalized"])
    except Attendance.DoesNotExist:  # erased since by its owner
        return
    if attendance.status == Attendance.Status.CANCELLED:
        attendance.status = Attendance.Status.UNCONFIRMED
        attendance.first_name = context["first_name"]
        attendance.consent_organizer = context["consent_organizer"]
        attendance.language = context["language"]
        attendance.cancelled_at = None
        attendance.save(
            update_fields=["status", "first_name", "consent_organizer", "language", "cancelled_at"]
        )
        _send_confirmation_request(attendance)
    elif attendance.status == Attendance.Status.UNCONFIRMED:
        sent = attendance.confirmation_sent_at
        if sent is None or timezone.now() - sent >= RESEND_AFTER:
            _send_confirmation_request(attendance)


def _locked_attendance(event: Event, normalized: str) -> Attendance:
    return (
        Attendance.objects.current()
        .select_for_update()
        .get(event=event, email_normalized=normalized)
    )


def _send_confirmation_request(attendance: Attendance) -> None:
    emails.attendance_confirm(attendance)
    attendance.confirmation_sent_at = timezone.now()
    attendance.save(update_fields=["confirmation_sent_at"])


def _lock(attendance: Attendance) -> Attendance:
    """The sign-up as committed, locked (not its event) until the transaction ends."""
    return (
        Attendance.objects.select_for_update(of=("self",))
        .select_related("event")
        .get(pk=attendance.pk)
    )


def confirm(attendance: Attendance) -> Attendance:
    """Count a participant who proved their address; running it twice counts them once."""
    with transaction.atomic():
        attendance = _lock(attendance)
        if attendance.status == Attendance.Status.CONFIRMED or is_blocked(attendance.email):
            # A sign-up taken before its address was blocked is never counted either.
            return attendance
        if attendance.status == Attendance.Status.CANCELLED:
            raise SignUpCancelled(
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
        _recount_on_commit(event.slug)
        emails.attendance_confirmed(attendance)
        return attendance


def cancel(attendance: Attendance) -> Attendance:
    """Withdraw a sign-up; a confirmed one stops being counted. Harmless when repeated."""
    with transaction.atomic():
        attendance = _lock(attendance)
        if attendance.status == Attendance.Status.CANCELLED:
            return attendance
        if attendance.event.is_over():
            raise EventOver(_("This event is over; there is nothing to cancel."))
        was_confirmed = attendance.status == Attendance.Status.CONFIRMED
        attendance.status = Attendance.Status.CANCELLED
        attendance.cancelled_at = timezone.now()
        attendance.save(update_fields=["status", "cancelled_at"])
        if was_confirmed:
            Event.objects.filter(pk=attendance.event_id).update(
                participant_count=F("participant_count") - 1
            )
            _recount_on_commit(attendance.event.slug)
        return attendance


def _recount_on_commit(slug: str) -> None:
    """The event page's count changed: the whole page kept for visitors without a session
    (allout.pages) is dropped once this commits, so the one who just confirmed sees it."""
    transaction.on_commit(lambda: pages.forget(page_name(slug)))


def reveals_exact_place(attendance: Attendance) -> bool:
    """Whether this participant's page shows the exact meeting point
    (Attendance.may_see_exact_place), unless staff have since blocked the address (someone
    spotted as an infiltrator keeps only the city)."""
    return attendance.may_see_exact_place() and not is_blocked(attendance.email)


def looks_confirmed(attendance: Attendance) -> bool:
    """What the participant's own page says: a blocked sign-up that was not cancelled reads
    as going, like anyone's (the block stays silent), though it is never counted."""
    if attendance.is_confirmed():
        return True
    return attendance.status == Attendance.Status.UNCONFIRMED and is_blocked(attendance.email)
