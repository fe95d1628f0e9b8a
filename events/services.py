"""Event workflows: registration, edits, moderation and abuse reports.

Each function runs in one transaction, takes the acting user and raises an EventError (whose
message is meant for that user) when a rule is broken. Emails are queued through
events.emails in the same transaction, so a rolled-back step sends nothing.
"""

from __future__ import annotations

import copy
import datetime
import secrets
from dataclasses import dataclass, fields

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from allout.models import Campaign
from events import emails, participation, risk
from events.models import Embassy, Event, EventReport, ModerationAction

# Paths under /events/ that are not event pages. `<slug>/` comes after them in the URLconf,
# but an event called "Mine" must still never be shadowed by (or shadow) the dashboard.
RESERVED_SLUGS = frozenset(
    {
        "new",
        "mine",
        "recap",
        "attend",
        "nearby",
        "map",
        "places",
        "embassies",
        "rsvp",
        "admin",
        "static",
    }
)


class EventError(Exception):
    """A rule of the event workflows was broken; the message can be shown to the user."""


class NotAllowed(EventError):
    pass


class HighRiskCountry(EventError):
    def __init__(self, country: str) -> None:
        self.country = country
        super().__init__(_("Public events cannot be listed in this country."))


class InvalidTransition(EventError):
    pass


@dataclass(frozen=True)
class EventDetails:
    """Everything an organizer decides about an event (from events.forms.EventForm)."""

    kind: str
    embassy: Embassy | None
    title: str
    description: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    meeting_point: str
    address: str
    city: str
    country: str
    point: Point
    hide_exact_location: bool
    expected_size: int | None
    accessibility: str
    what_to_bring: str
    organizer_name: str

    def apply_to(self, event: Event) -> None:
        for field in fields(self):
            setattr(event, field.name, getattr(self, field.name))


@dataclass(frozen=True)
class EventChange:
    """What an edit changed that participants must hear about."""

    event: Event
    rescheduled: bool
    moved: bool

    @property
    def affects_participants(self) -> bool:
        """Whether confirmed participants need to be told (time or place changed)."""
        return self.event.is_public() and (self.rescheduled or self.moved)


def has_verified_email(user: AbstractBaseUser) -> bool:
    """Whether the user confirmed an email address (django-allauth)."""
    return EmailAddress.objects.filter(user_id=user.pk, verified=True).exists()


def is_moderator(user: AbstractBaseUser) -> bool:
    """Whether the user may approve, reject and unpublish events."""
    return user.is_active and user.is_staff and user.has_perm("events.moderate_event")


def unique_slug(title: str) -> str:
    """A free slug for `title`: never a reserved word, numbered when taken."""
    base = slugify(title)[:200].strip("-") or "event"
    if base in RESERVED_SLUGS:
        base = f"{base}-event"
    taken = set(Event.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _check_place(details: EventDetails) -> None:
    country = risk.high_risk_country_at(details.country, details.point)
    if country:
        raise HighRiskCountry(country)


def _save_new(event: Event) -> None:
    event.slug = unique_slug(event.title)
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        # Two events with the same title registered at the same instant: the loser of the
        # race takes a random suffix instead.
        event.slug = f"{event.slug[:210]}-{secrets.token_hex(3)}"
        event.save()


@transaction.atomic
def register_event(
    organizer: AbstractBaseUser, details: EventDetails, *, campaign: Campaign
) -> Event:
    """Create a pending event; tell the organizer it arrived and moderators it waits."""
    if not has_verified_email(organizer):
        raise NotAllowed(_("Confirm your email address before registering an event."))
    _check_place(details)
    event = Event(
        campaign=campaign,
        organizer=organizer,
        status=Event.Status.PENDING,
        guidelines_accepted_at=timezone.now(),
    )
    details.apply_to(event)
    _save_new(event)
    emails.event_received(event)
    emails.event_to_moderate(event)
    return event


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("organizer").get(pk=event.pk)


@transaction.atomic
def update_event(event: Event, actor: AbstractBaseUser, details: EventDetails) -> EventChange:
    """Apply the organizer's edit. The result says whether time or place changed, which
    participants of an approved event must be told."""
    event = _lock(event)
    if event.organizer_id != actor.pk:
        raise NotAllowed(_("Only the organizer can change this event."))
    if not event.is_editable():
        raise NotAllowed(_("This event can no longer be changed."))
    _check_place(details)
    rescheduled = (event.starts_at, event.ends_at) != (details.starts_at, details.ends_at)
    moved = (
        not event.point.equals_exact(details.point, 1e-9)
        or (event.meeting_point, event.address) != (details.meeting_point, details.address)
        or event.hide_exact_location != details.hide_exact_location
    )
    before = copy.copy(event)
    details.apply_to(event)
    event.save()
    # Participants of an approved event hear of a new time or place in this transaction.
    participation.notify_changed(event, participation.what_changed(before, event), actor)
    return EventChange(event=event, rescheduled=rescheduled, moved=moved)


def _moderate(
    event: Event,
    moderator: AbstractBaseUser,
    action: ModerationAction.Action,
    *,
    allowed_from: set[Event.Status],
    to: Event.Status,
    reason: str = "",
) -> Event:
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can do this."))
    event = _lock(event)
    if event.status not in allowed_from:
        raise InvalidTransition(
            _("“%(title)s” is %(status)s: it cannot be %(action)s.")
            % {
                "title": event.title,
                "status": event.get_status_display().lower(),
                "action": action.label.lower(),
            }
        )
    event.status = to
    fields_changed = ["status", "updated_at"]
    if to == Event.Status.APPROVED:
        event.approved_at = timezone.now()
        fields_changed.append("approved_at")
    event.save(update_fields=fields_changed)
    ModerationAction.objects.create(event=event, actor=moderator, action=action, reason=reason)
    return event


@transaction.atomic
def approve_event(event: Event, moderator: AbstractBaseUser) -> Event:
    """Publish a pending (or previously rejected) event and send the organizer its link."""
    # The country may have been marked high-risk since the event was registered.
    country = risk.high_risk_country_at(str(event.country), event.point)
    if country:
        raise HighRiskCountry(country)
    event = _moderate(
        event,
        moderator,
        ModerationAction.Action.APPROVE,
        allowed_from={Event.Status.PENDING, Event.Status.REJECTED},
        to=Event.Status.APPROVED,
    )
    emails.event_approved(event)
    return event


@transaction.atomic
def reject_event(event: Event, moderator: AbstractBaseUser, reason: str) -> Event:
    """Refuse an event; the organizer receives the reason."""
    reason = reason.strip()
    if not reason:
        raise EventError(_("Give the organizer a reason."))
    event = _moderate(
        event,
        moderator,
        ModerationAction.Action.REJECT,
        allowed_from={Event.Status.PENDING, Event.Status.APPROVED},
        to=Event.Status.REJECTED,
        reason=reason,
    )
    emails.event_rejected(event, reason)
    return event


@transaction.atomic
def unpublish_event(event: Event, moderator: AbstractBaseUser, reason: str = "") -> Event:
    """Take an approved event off the public pages and back into the queue."""
    event = _moderate(
        event,
        moderator,
        ModerationAction.Action.UNPUBLISH,
        allowed_from={Event.Status.APPROVED},
        to=Event.Status.PENDING,
        reason=reason.strip(),
    )
    emails.event_unpublished(event, reason.strip())
    return event


@transaction.atomic
def report_event(event: Event, reason: str, text: str) -> EventReport:
    """File an anonymous abuse report: nothing about the reporter is stored."""
    if not event.is_public():
        raise NotAllowed(_("Only public events can be reported."))
    return EventReport.objects.create(event=event, reason=reason, text=text.strip())


@transaction.atomic
def close_report(
    report: EventReport, moderator: AbstractBaseUser, status: EventReport.Status
) -> EventReport:
    """Mark an open report resolved or dismissed by `moderator`."""
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can do this."))
    report = EventReport.objects.select_for_update().get(pk=report.pk)
    if report.status != EventReport.Status.OPEN:
        raise InvalidTransition(_("This report was already handled."))
    report.status = status
    report.handled_by = moderator
    report.handled_at = timezone.now()
    report.save(update_fields=["status", "handled_by", "handled_at"])
    return report
