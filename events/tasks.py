"""Periodic work for taking part (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from events.services import alerts, erasure, moderation, reminders


@shared_task(acks_late=True)
def send_reminders() -> int:
    """Queue the reminders now due; each goes to each participant once, however often this runs."""
    return reminders.send_reminders()


@shared_task(acks_late=True)
def erase_past_participants() -> int:
    """Blank participants' names and emails PARTICIPANT_RETENTION_DAYS after their event."""
    return erasure.erase_past_participants()


@shared_task(acks_late=True)
def alert_moderators() -> int:
    """One email to each moderator listing the events registered since the last sweep."""
    return moderation.alert_moderators()


@shared_task(acks_late=True)
def send_protest_alerts() -> int:
    """Tell the alerts near each newly approved event, then queue the emails now due (one a
    day per alert, a digest of the day's events). Idempotent: each event is told once.

    Beat runs it every ALERT_SWEEP_SECONDS rather than the approval publishing it: a request
    never talks to the broker (allout.mail), and a sweep also picks up what a dead worker
    left.
    """
    alerts.announce_approved_events()
    return alerts.send_due_alerts()


@shared_task(acks_late=True)
def erase_past_alerts() -> int:
    """Delete protest alerts PARTICIPANT_RETENTION_DAYS after their campaign's day."""
    return alerts.erase_past_alerts()
