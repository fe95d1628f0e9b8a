"""Every email about events, one small function per message, all through allout.mail.

Each is queued in the caller's transaction (an outbox row) and sent by a worker after commit.
Emails to participants carry their signed cancel link as the unsubscribe link (allout.mail
adds the link to their data page); the exact meeting point goes only to confirmed ones.

Each is written in its recipient's language: a participant's is the one they signed up in
(Attendance.language), the organizer's the one they registered the event in
(Event.organizer_language), staff's the site's default. The links are built under that
language too, so they open the pages in it; an organizer's message keeps the organizer's
words, in the participant's language around them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from allout import mail
from allout.blocking import is_blocked
from allout.i18n import current_language
from allout.links import absolute_url
from events import alert_links, cohost_links
from events import attendance_links as links
from events.models import Attendance, CoHost, Event, OrganizerMessage, ProtestAlert

# --- To organizers and moderators --------------------------------------------------------
# Staff have no language on record; they read the site's default.
STAFF_LANGUAGE = settings.LANGUAGE_CODE


def _context(event: Event) -> dict:
    return {
        "event": event,
        "event_url": absolute_url(event.get_absolute_url()),
        "edit_url": absolute_url(reverse("events:edit", args=[event.slug])),
        "dashboard_url": absolute_url(reverse("events:dashboard_event", args=[event.slug])),
        "guidelines_url": absolute_url(reverse("events:guidelines")),
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


def _to_organizer(template: str, event: Event, context: dict | None = None, **options) -> None:
    """Queue `template` to the event's organizer, in the language they registered it in."""
    language = event.organizer_language
    with translation.override(language):
        mail.queue(
            template,
            event.organizer.email,
            {**_context(event), **(context or {})},
            language=language,
            **options,
        )


def event_received(event: Event) -> None:
    """To the organizer: the event arrived and waits for review."""
    _to_organizer("event_received", event)


def events_to_moderate(events: list[Event]) -> None:
    """To every moderator: one email listing the new events that wait in the queue."""
    with translation.override(STAFF_LANGUAGE):
        context = {
            "events": [
                {
                    "event": event,
                    "admin_url": absolute_url(
                        reverse("admin:events_event_change", args=[event.pk])
                    ),
                }
                for event in events
            ],
            # The queue opens on pending events.
            "queue_url": absolute_url(reverse("admin:events_event_changelist")),
        }
        _to_moderators("events_to_moderate", context)


def _to_moderators(template: str, context: dict) -> None:
    """Build `context` under translation.override(STAFF_LANGUAGE): its links too."""
    for address in moderator_emails():
        mail.queue(template, address, context, language=STAFF_LANGUAGE)


def event_approved(event: Event) -> None:
    """To the organizer: the event is public, here is its link."""
    _to_organizer("event_approved", event)


def event_rejected(event: Event, reason: str) -> None:
    """To the organizer: the event was not approved, and why."""
    _to_organizer("event_rejected", event, {"reason": reason})


def event_unpublished(event: Event, reason: str) -> None:
    """To the organizer: the event is off the public pages while moderators look again."""
    _to_organizer("event_unpublished", event, {"reason": reason})


def contact_burst(event: Event, *, received: int) -> None:
    """To every moderator: an event's contact form is receiving an unusual number of messages."""
    with translation.override(STAFF_LANGUAGE):
        context = {
            **_context(event),
            "received": received,
            "admin_url": absolute_url(reverse("admin:events_event_change", args=[event.pk])),
        }
        _to_moderators("contact_burst", context)


# --- To participants ---------------------------------------------------------------------
# The signed links an email to a participant carries besides the cancel link, by name.
CONFIRMED_LINKS: Mapping[str, links.Purpose] = MappingProxyType(
    {"attendance_url": links.Purpose.VIEW}
)


def _to_participant(
    template: str,
    attendance: Attendance,
    context: dict,
    *,
    reveal_place: bool,
    signed_links: Mapping[str, links.Purpose] = CONFIRMED_LINKS,
    checked_unblocked: bool = False,
) -> None:
    """Queue `template` to a participant in their language, with the signed links named in
    `signed_links` made under it (a link opens its page in the language it was made in)."""
    if not checked_unblocked and is_blocked(attendance.email):
        # Staff blocked this address after it signed up: it hears nothing more (no reminder,
        # no new place), silently.
        return
    event = attendance.event
    with translation.override(attendance.language):
        cancel_url = links.email_link(attendance, links.Purpose.CANCEL)
        mail.queue(
            template,
            attendance.email,
            {
                "attendance": attendance,
                "event": event,
                "event_url": absolute_url(event.get_absolute_url()),
                "cancel_url": cancel_url,
                # The exact meeting point goes only to confirmed participants, whatever the
                # message, or to anyone when the organizer shows it publicly anyway: the
                # template asks the event as it is when the worker renders the email, so an
                # organizer who hides the point meanwhile is obeyed.
                "reveal_place": reveal_place,
                **{
                    name: links.email_link(attendance, purpose)
                    for name, purpose in signed_links.items()
                },
                **context,
            },
            language=attendance.language,
            unsubscribe_url=cancel_url,
        )


def attendance_confirm(attendance: Attendance, *, checked_unblocked: bool = False) -> None:
    """The double opt-in link, sent when someone signs up (and again, at most hourly).

    `checked_unblocked`: the caller has just asked allout.blocking about this address, in
    this request; with blocks on the list, asking again would cost a query.
    """
    _to_participant(
        "attendance_confirm",
        attendance,
        {},
        reveal_place=False,
        signed_links={"confirm_url": links.Purpose.CONFIRM},
        checked_unblocked=checked_unblocked,
    )


def attendance_confirmed(attendance: Attendance) -> None:
    """You are going: the exact meeting point and the link to the participant's page."""
    _to_participant("attendance_confirmed", attendance, {}, reveal_place=True)


def attendance_reminder(attendance: Attendance, reminder: str) -> None:
    """One day before (`day_before`) or a few hours before (`hours_before`) the start."""
    _to_participant(
        "attendance_reminder",
        attendance,
        {"soon": reminder == "hours_before"},
        reveal_place=True,
    )


def event_changed(attendance: Attendance, *, time_changed: bool, place_changed: bool) -> None:
    """The organizer moved an approved event: the new time and place."""
    _to_participant(
        "event_changed",
        attendance,
        {"time_changed": time_changed, "place_changed": place_changed},
        reveal_place=True,
    )


def event_cancelled(attendance: Attendance, *, note: str) -> None:
    """The organizer cancelled the event; sent to confirmed and unconfirmed sign-ups."""
    _to_participant(
        "event_cancelled", attendance, {"note": note}, reveal_place=False, signed_links={}
    )


def organizer_message(attendance: Attendance, message: OrganizerMessage) -> None:
    """A message the organizer wrote to every confirmed participant: their words as they
    wrote them, in the participant's language around them."""
    _to_participant("organizer_message", attendance, {"message": message}, reveal_place=True)


# --- Checked again by the worker, just before it renders (allout.mail.check_before_sending) --
@mail.check_before_sending("attendance_confirm")
def _still_to_confirm(context: dict) -> str:
    """The confirmation request goes only while there is something to confirm."""
    attendance, event = context["attendance"], context["event"]
    if attendance.status != Attendance.Status.UNCONFIRMED or not event.accepts_rsvps():
        return "Not sent: confirmed or cancelled, or the event stopped taking sign-ups, meanwhile"
    return ""


@mail.check_before_sending(
    "attendance_confirmed", "attendance_reminder", "event_changed", "organizer_message"
)
def _still_going(context: dict) -> str:
    """What carries the exact meeting point goes only to a participant still confirmed, of
    an event still approved (not cancelled, and not unpublished by staff meanwhile)."""
    attendance, event = context["attendance"], context["event"]
    attendance.event = event  # as the context holds it
    if not attendance.may_see_exact_place():
        return "Not sent: the participant cancelled, or the event was taken down, meanwhile"
    return ""


def contact_relay(event: Event, *, name: str, email: str, message: str) -> None:
    """A visitor's message to the organizer; replying goes to the visitor, if they choose.

    The outbox blanks the message and the visitor's address once sent; the visitor gets a
    receipt, which carries the link to their data page (allout.mail adds it), without the
    message itself.
    """
    _to_organizer(
        "contact_relay",
        event,
        {
            "sender_name": name,
            "sender_email": email,
            "message": message,
        },
        reply_to=email,
        blank_after_send=True,
    )
    # The visitor is on the event page now: their receipt is in that page's language.
    mail.queue(
        "contact_receipt",
        email,
        {"event": event, "event_url": absolute_url(event.get_absolute_url())},
        language=current_language(),
    )


# --- To co-hosts and their organizer -----------------------------------------------------
def _to_cohost(template: str, cohost: CoHost, context: dict | None = None) -> None:
    """Queue `template` to the invited address, in the co-host's language (the page they
    were invited from, then the one they accepted on)."""
    event = cohost.event
    with translation.override(cohost.language):
        mail.queue(
            template,
            cohost.email,
            {**_context(event), "cohost": cohost, **(context or {})},
            language=cohost.language,
        )


def _cohosts_url(event: Event) -> str:
    with translation.override(event.organizer_language):
        return absolute_url(reverse("events:cohosts", args=[event.slug]))


def cohost_invited(cohost: CoHost) -> None:
    """To the organizer: the invitation is written down; whether it was sent is not said
    (that would tell them whether the address has an account)."""
    event = cohost.event
    _to_organizer("cohost_invited", event, {"cohost": cohost, "cohosts_url": _cohosts_url(event)})


def cohost_invitation(cohost: CoHost) -> None:
    """To the invitee (a verified account): the signed link to accept, which expires."""
    with translation.override(cohost.language):
        accept_url = cohost_links.url(cohost.pk)
    _to_cohost(
        "cohost_invitation",
        cohost,
        {"accept_url": accept_url, "days": cohost_links.INVITATION_DAYS},
    )


def cohost_accepted(cohost: CoHost) -> None:
    """To the organizer and the new co-host: they share the dashboard now."""
    event = cohost.event
    _to_organizer(
        "cohost_accepted",
        event,
        {"cohost": cohost, "for_organizer": True, "cohosts_url": _cohosts_url(event)},
    )
    _to_cohost("cohost_accepted", cohost, {"for_organizer": False})


def cohost_removed(cohost: CoHost, *, was_active: bool) -> None:
    """To the organizer, and to the co-host if they had accepted (an invitee who never
    accepted hears nothing more: they may not even have an account)."""
    event = cohost.event
    _to_organizer(
        "cohost_removed",
        event,
        {
            "cohost": cohost,
            "for_organizer": True,
            "was_active": was_active,
            "cohosts_url": _cohosts_url(event),
        },
    )
    if was_active:
        _to_cohost("cohost_removed", cohost, {"for_organizer": False, "was_active": True})


# --- To people who asked to hear of protests near them -----------------------------------
def alert_confirm(alert: ProtestAlert) -> None:
    """The double opt-in link of a protest alert, in the language of the page it was made on."""
    with translation.override(alert.language):
        unsubscribe_url = alert_links.url(alert, alert_links.Purpose.UNSUBSCRIBE)
        mail.queue(
            "alert_confirm",
            alert.email,
            {
                "alert": alert,
                "confirm_url": alert_links.url(alert, alert_links.Purpose.CONFIRM),
            },
            language=alert.language,
            unsubscribe_url=unsubscribe_url,
            one_click=True,  # its POST deletes the alert, nothing else (views.alerts)
        )


def protest_alert(alert: ProtestAlert, events: list[Event]) -> None:
    """New protests near the alert's place: one, or the digest of a day's.

    Public facts only: the city of an event whose point is hidden (Event.public_place()).
    """
    with translation.override(alert.language):
        unsubscribe_url = alert_links.url(alert, alert_links.Purpose.UNSUBSCRIBE)
        mail.queue(
            "protest_alert",
            alert.email,
            {
                "alert": alert,
                "events": [
                    {"event": event, "url": absolute_url(event.get_absolute_url())}
                    for event in events
                ],
                "finder_url": absolute_url(reverse("events:list")),
            },
            language=alert.language,
            unsubscribe_url=unsubscribe_url,
            one_click=True,  # its POST deletes the alert, nothing else (views.alerts)
        )
