"""Every email about taking part in an event: one small function per message.

Each goes through allout.mail, so it is written to the outbox in the caller's transaction.
Emails to participants carry their signed cancel link as the unsubscribe link (allout.mail
adds the link to their data page).
"""

from __future__ import annotations

from django.urls import reverse

from allout import mail
from allout.links import absolute_url
from events import attendance_links as links
from events.models import Attendance, Event, OrganizerMessage


def _to_participant(
    template: str, attendance: Attendance, context: dict, *, reveal_place: bool
) -> None:
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


def attendance_confirm(attendance: Attendance) -> None:
    """The double opt-in link, sent when someone signs up (and again, at most hourly)."""
    confirm_url = links.url(attendance, links.Purpose.CONFIRM)
    _to_participant(
        "attendance_confirm", attendance, {"confirm_url": confirm_url}, reveal_place=False
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
    """A visitor's message to the organizer; replying goes to the visitor, if they choose."""
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
    )
