"""Organizers register events and edit them; one rule says what an edit changed.

An edit of an approved event's time or place is emailed to its confirmed participants in the
edit's transaction, whoever made it: the organizer on their form or staff in the admin.

An organizer may have EVENTS_PENDING_PER_ORGANIZER events waiting for review and register
EVENTS_PER_ORGANIZER_PER_DAY a day, so one account cannot flood the moderation queue;
moderators hear of new events in one email per sweep (events.services.moderation).
"""

from __future__ import annotations

import copy
import datetime
import secrets
from dataclasses import dataclass, fields

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from allout.blocking import is_blocked_account
from allout.i18n import current_language
from allout.models import Campaign
from events import emails, risk
from events.errors import HighRiskPlace, NotAllowed, RegistrationLimit
from events.models import Embassy, Event

# Paths under /events/ that are not event pages. `<slug>/` comes after them in the URLconf,
# but an event called "Mine" must still never be shadowed by (or shadow) the dashboard.
RESERVED_SLUGS = frozenset(
    {
        "new",
        "mine",
        "alerts",
        "alert",
        "recap",
        "guidelines",
        "attend",
        "cohosting",
        "nearby",
        "map",
        "embed",
        "places",
        "embassies",
        "rsvp",
        "admin",
        "static",
    }
)

# The fields whose change confirmed participants must hear about. Showing or hiding the
# exact point is not one: confirmed participants see the exact point either way.
TIME_FIELDS = frozenset({"starts_at", "ends_at"})
PLACE_FIELDS = frozenset({"point", "meeting_point", "address", "city", "country", "embassy"})


# The column each of them is stored in (the embassy's id, not the embassy: no query).
ATTNAMES = {"embassy": "embassy_id"} | {
    name: name for name in TIME_FIELDS | PLACE_FIELDS - {"embassy"}
}


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
    language: str = settings.LANGUAGE_CODE  # of the title and description

    def apply_to(self, event: Event) -> None:
        for field in fields(self):
            setattr(event, field.name, getattr(self, field.name))


@dataclass(frozen=True)
class EventChange:
    """What an edit changed that participants hear about, and how many were emailed."""

    event: Event
    changed: frozenset[str]
    notified: int

    @property
    def rescheduled(self) -> bool:
        return bool(self.changed & TIME_FIELDS)

    @property
    def moved(self) -> bool:
        return bool(self.changed & PLACE_FIELDS)


def has_verified_email(user: User) -> bool:
    """Whether the user confirmed an email address (django-allauth)."""
    return EmailAddress.objects.filter(user_id=user.pk, verified=True).exists()


# A new slug's tail: 5 of these (no 0/o, 1/l/i to misread on a poster), 30 million of them.
SLUG_TAIL_LETTERS = "23456789abcdefghjkmnpqrstuvwxyz"
SLUG_TAIL_LENGTH = 5


def unique_slug(title: str) -> str:
    """A free slug for `title`: its words and a random tail ("vigil-k7m2p"), never a
    reserved word.

    Random, not numbered: "vigil-3" for the third "Vigil" would tell whoever registers one
    (or reads the public list) that events not shown there, waiting for moderation or
    rejected, took "vigil" and "vigil-2". The tail is the same whatever else exists.
    """
    base = slugify(title)[:200].strip("-") or "event"
    if base in RESERVED_SLUGS:
        base = f"{base}-event"
    while True:
        tail = "".join(secrets.choice(SLUG_TAIL_LETTERS) for _ in range(SLUG_TAIL_LENGTH))
        slug = f"{base}-{tail}"
        if not Event.objects.filter(slug=slug).exists():
            return slug


def _check_place(details: EventDetails) -> None:
    country = risk.high_risk_country_at(details.country, details.point)
    if country:
        raise HighRiskPlace(country)


def _save_new(event: Event) -> None:
    event.slug = unique_slug(event.title)
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        # Another event took the same tail in the instant between: this one draws again.
        event.slug = unique_slug(event.title)
        event.save()


def _check_limits(organizer: User) -> None:
    """Refuse an organizer who has as many events pending, or registered today, as we take.

    Call it in the registering transaction: the organizer's row is locked first, so two
    submissions at once are counted one after the other.
    """
    User.objects.select_for_update().filter(pk=organizer.pk).first()
    mine = Event.objects.filter(organizer=organizer)
    pending = settings.EVENTS_PENDING_PER_ORGANIZER
    if mine.pending().count() >= pending:
        raise RegistrationLimit(
            ngettext(
                "You already have %(count)d event waiting for review, the most we take at "
                "once. You can register another as soon as a moderator has looked at it.",
                "You already have %(count)d events waiting for review, the most we take at "
                "once. You can register another as soon as a moderator has looked at them.",
                pending,
            )
            % {"count": pending}
        )
    per_day = settings.EVENTS_PER_ORGANIZER_PER_DAY
    if mine.filter(created_at__gte=timezone.now() - datetime.timedelta(days=1)).count() >= per_day:
        raise RegistrationLimit(
            ngettext(
                "You have registered %(count)d event in the last 24 hours, the most we take "
                "in a day. Please register the next one tomorrow.",
                "You have registered %(count)d events in the last 24 hours, the most we take "
                "in a day. Please register the next one tomorrow.",
                per_day,
            )
            % {"count": per_day}
        )


@transaction.atomic
def register_event(organizer: User, details: EventDetails, *, campaign: Campaign) -> Event:
    """Create a pending event and tell the organizer it arrived; the moderators' next
    alert lists it."""
    if not has_verified_email(organizer):
        raise NotAllowed(_("Confirm your email address before registering an event."))
    if is_blocked_account(organizer):
        # Kind and vague (allout.blocking): naming the block would invite a new account.
        raise NotAllowed(
            _(
                "We cannot take an event from this account at the moment. If you think this "
                "is a mistake, please write to the campaign team."
            )
        )
    _check_limits(organizer)
    _check_place(details)
    event = Event(
        campaign=campaign,
        organizer=organizer,
        status=Event.Status.PENDING,
        guidelines_accepted_at=timezone.now(),
        organizer_language=current_language(),
    )
    details.apply_to(event)
    _save_new(event)
    emails.event_received(event)
    return event


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("organizer").get(pk=event.pk)


@transaction.atomic
def update_event(event: Event, actor: User, details: EventDetails) -> EventChange:
    """Apply the organizer's edit; participants of an approved event hear of a new time or
    place in the same transaction."""
    event = _lock(event)
    if event.organizer_id != actor.pk:
        raise NotAllowed(_("Only the organizer can change this event."))
    if not event.is_editable():
        raise NotAllowed(_("This event can no longer be changed."))
    _check_place(details)
    before = copy.copy(event)
    details.apply_to(event)
    event.save()
    return notify_change(before, event)


@transaction.atomic
def save_staff_edit(event: Event) -> EventChange:
    """Save an edit staff made in the admin, telling participants as an organizer's edit does."""
    before = Event.objects.select_for_update().get(pk=event.pk)
    event.save()
    return notify_change(before, event)


def what_changed(before: Event, after: Event) -> frozenset[str]:
    """The time and place fields that differ between two versions of an event."""
    changed = set()
    for name in TIME_FIELDS | PLACE_FIELDS:
        attname = ATTNAMES[name]
        old, new = getattr(before, attname), getattr(after, attname)
        if name == "point":
            # A point re-read from the form differs in the last float digits.
            unchanged = old is not None and new is not None and old.equals_exact(new, 1e-9)
        else:
            unchanged = old == new
        if not unchanged:
            changed.add(name)
    return frozenset(changed)


def notify_change(before: Event, after: Event) -> EventChange:
    """Email every confirmed participant when an approved event's time or place changed.

    Call it in the transaction that saves the change. Reminders follow by themselves: they
    are kept per start time.
    """
    changed = what_changed(before, after)
    # Its confirmed participants are told even in a country marked high-risk since (it takes
    # no new sign-ups there, but they may still be going).
    if not changed or not after.is_live():
        return EventChange(event=after, changed=changed, notified=0)
    recipients = list(after.attendances.confirmed())
    for attendance in recipients:
        attendance.event = after  # the new version, not a stale copy
        emails.event_changed(
            attendance,
            time_changed=bool(changed & TIME_FIELDS),
            place_changed=bool(changed & PLACE_FIELDS),
        )
    return EventChange(event=after, changed=changed, notified=len(recipients))
