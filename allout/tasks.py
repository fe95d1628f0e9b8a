"""The platform's own periodic work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(acks_late=True)
def clear_expired_sessions() -> None:
    """Delete expired sessions: each names the account it logged in, and Django never
    deletes them by itself (a logged-out or abandoned session stays in the table)."""
    call_command("clearsessions")
