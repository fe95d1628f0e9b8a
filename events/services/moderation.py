"""Staff moderate events (approve, reject, unpublish) and the public's abuse reports.

Every step is logged as a ModerationAction (who, when, what, why) shown on the event's page
in the admin, and the organizer is emailed in the step's transaction.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events import emails, risk
from events.errors import HighRiskPlace, InvalidTransition, NotAllowed, ReasonRequired
from events.models import Event, EventReport, ModerationAction


def alert_moderators() -> int:
    """Email the moderators one list of the pending events they have not heard of; returns
    how many events it listed.

    Beat runs it every MODERATOR_ALERT_SECONDS: a burst of registrations costs each
    moderator one email, not one per event. SKIP LOCKED lets two overlapping sweeps share
    the events instead of listing them twice.
    """
    with transaction.atomic():
        events = list(
            Event.objects.pending()
            .filter(moderators_alerted_at__isnull=True)
            .select_for_update(skip_locked=True)
            .order_by("created_at")
        )
        if not events:
            return 0
        Event.objects.filter(pk__in=[event.pk for event in events]).update(
            moderators_alerted_at=timezone.now()
        )
        emails.events_to_moderate(events)
    return len(events)


def is_moderator(user: User | AnonymousUser) -> bool:
    """Whether the user may approve, reject and unpublish events."""
    return user.is_active and user.is_staff and user.has_perm("events.moderate_event")


def _moderate(
    event: Event,
    moderator: User,
    action: ModerationAction.Action,
    *,
    allowed_from: set[Event.Status],
    to: Event.Status,
    reason: str = "",
) -> Event:
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can do this."))
    event = Event.objects.select_for_update().select_related("organizer").get(pk=event.pk)
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
def approve_event(event: Event, moderator: User) -> Event:
    """Publish a pending (or previously rejected) event and send the organizer its link."""
    # The country may have been marked high-risk since the event was registered.
    country = risk.high_risk_country_at(str(event.country), event.point)
    if country:
        raise HighRiskPlace(country)
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
def reject_event(event: Event, moderator: User, reason: str) -> Event:
    """Refuse an event; the organizer receives the reason."""
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(_("Give the organizer a reason."))
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
def unpublish_event(event: Event, moderator: User, reason: str = "") -> Event:
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
def close_report(report: EventReport, moderator: User, status: EventReport.Status) -> EventReport:
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
