"""Every email about events, one small function per message, all through allout.mail.

Each is queued in the caller's transaction (an outbox row) and sent by a worker after commit.
Emails to participants carry their signed cancel link as the unsubscribe link (allout.mail
adds the link to their data page); the exact meeting point goes only to confirmed ones.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse

from allout import mail
from allout.blocking import is_blocked
from allout.links import absolute_url
from events import attendance_links as links
from events.models import Attendance, Event, OrganizerMessage


# --- To organizers and moderators --------------------------------------------------------
def _context(event: Event) -> dict:
    return {
        "event": event,
        "event_url": absolute_url(event.get_absolute_url()),
        "edit_url": absolute_url(reverse("events:edit", args=[event.slug])),
        "guidelines_url": absolute_url(reverse("privacy") + "#safety"),
    }


def moderator_emails() -> list[str]:
    """Addresses of active staff who hold the events moderation permission."""
    permission = Permission.objects.get(content_type__app_label="events", codename="moderate_event")
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions=permission)
            | Q(groups__permissions=permission)
        )
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    return list(users)


def event_received(event: Event) -> None:
    """To the organizer: the event arrived and waits for review."""
    mail.queue("event_received", event.organizer.email, _context(event))


def events_to_moderate(events: list[Event]) -> None:
    """To every moderator: one email listing the new events that wait in the queue."""
    context = {
        "events": [
            {
                "event": event,
                "admin_url": absolute_url(reverse("admin:events_event_change", args=[event.pk])),
            }
            for event in events
        ],
        # The queue opens on pending events.
        "queue_url": absolute_url(reverse("admin:events_event_changelist")),
    }
    for address in moderator_emails():
        mail.queue("events_to_moderate", address, context)


def event_approved(event: Event) -> None:
    """To the organizer: the event is public, here is its link."""
    mail.queue("event_approved", event.organizer.email, _context(event))


def event_rejected(event: Event, reason: str) -> None:
    """To the organizer: the event was not approved, and why."""
    mail.queue("event_rejected", event.organizer.email, {**_context(event), "reason": reason})


def event_unpublished(event: Event, reason: str) -> None:
    """To the organizer: the event is off the public pages while moderators look again."""
    mail.queue("event_unpublished", event.organizer.email, {**_context(event), "reason": reason})


def contact_burst(event: Event, *, received: int) -> None:
    """To every moderator: an event's contact form is receiving an unusual number of messages."""
    context = {
        **_context(event),
        "received": received,
        "admin_url": absolute_url(reverse("admin:events_event_change", args=[event.pk])),
    }
    for address in moderator_emails():
        mail.queue("contact_burst", address, context)


# --- To participants ---------------------------------------------------------------------
def _to_participant(
    template: str,
    attendance: Attendance,
    context: dict,
    *,
    reveal_place: bool,
    checked_unblocked: bool = False,
) -> None:
    if not checked_unblocked and is_blocked(attendance.email):
        # Staff blocked this address after it signed up: it hears nothing more (no reminder,
        # no new place), silently.
        return
    event = attendance.event
    cancel_url = links.url(attendance, links.Purpose.CANCEL)
    mail.queue(
        template,
        attendance.email,
        {
            "attendance": attendance,
            "event": event,
            "event_url": absolute_url(event.get_absolute_url()),
            "cancel_url": cancel_url,
            # The exact meeting point goes only to confirmed participants, whatever the
            # message, or to anyone when the organizer shows it publicly anyway.
            "reveal_place": reveal_place or not event.hide_exact_location,
            **context,
        },
        unsubscribe_url=cancel_url,
    )


def _confirmed_context(attendance: Attendance) -> dict:
    return {"attendance_url": links.url(attendance, links.Purpose.VIEW)}


def attendance_confirm(attendance: Attendance, *, checked_unblocked: bool = False) -> None:
    """The double opt-in link, sent when someone signs up (and again, at most hourly).

    `checked_unblocked`: the caller has just asked allout.blocking about this address, in
    this request; with blocks on the list, asking again would cost a query.
    """
    confirm_url = links.url(attendance, links.Purpose.CONFIRM)
    _to_participant(
        "attendance_confirm",
        attendance,
        {"confirm_url": confirm_url},
        reveal_place=False,
        checked_unblocked=checked_unblocked,
    )


def attendance_confirmed(attendance: Attendance) -> None:
    """You are going: the exact meeting point and the link to the participant's page."""
    _to_participant(
        "attendance_confirmed", attendance, _confirmed_context(attendance), reveal_place=True
    )


def attendance_reminder(attendance: Attendance, reminder: str) -> None:
    """One day before (`day_before`) or a few hours before (`hours_before`) the start."""
    _to_participant(
        "attendance_reminder",
        attendance,
        {**_confirmed_context(attendance), "soon": reminder == "hours_before"},
        reveal_place=True,
    )


def event_changed(attendance: Attendance, *, time_changed: bool, place_changed: bool) -> None:
    """The organizer moved an approved event: the new time and place."""
    _to_participant(
        "event_changed",
        attendance,
        {
            **_confirmed_context(attendance),
            "time_changed": time_changed,
            "place_changed": place_changed,
        },
        reveal_place=True,
    )


def event_cancelled(attendance: Attendance, *, note: str) -> None:
    """The organizer cancelled the event; sent to confirmed and unconfirmed sign-ups."""
    _to_participant("event_cancelled", attendance, {"note": note}, reveal_place=False)


def organizer_message(attendance: Attendance, message: OrganizerMessage) -> None:
    """A message the organizer wrote to every confirmed participant."""
    _to_participant(
        "organizer_message",
        attendance,
        {**_confirmed_context(attendance), "message": message},
        reveal_place=True,
    )


def contact_relay(event: Event, *, name: str, email: str, message: str) -> None:
    """A visitor's message to the organizer; replying goes to the visitor, if they choose.

    The outbox blanks the message and the visitor's address once sent; the visitor gets a
    receipt, which carries the link to their data page (allout.mail adds it), without the
    message itself.
    """
    mail.queue(
        "contact_relay",
        event.organizer.email,
        {
            "event": event,
            "event_url": absolute_url(event.get_absolute_url()),
            "dashboard_url": absolute_url(reverse("events:dashboard_event", args=[event.slug])),
            "sender_name": name,
            "sender_email": email,
            "message": message,
        },
        reply_to=email,
        blank_after_send=True,
    )
    mail.queue(
        "contact_receipt",
        email,
        {"event": event, "event_url": absolute_url(event.get_absolute_url())},
    )
