"""Periodic work for taking part (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from events.services import erasure, moderation, reminders


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
