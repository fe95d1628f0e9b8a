from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from allout import mail


@shared_task(acks_late=True)
def send_outbox_email(pk: int) -> bool:
    """Send one outbox row; safe to run any number of times.

    No Celery retries: a failed send is written on the row with its next try, and the
    sweeper below publishes it again when that time comes.
    """
    return mail.deliver(pk)


@shared_task(acks_late=True)
def requeue_unsent_email(older_than_seconds: int = 30) -> int:
    """Re-publish rows that are due: broker was down, worker died, or a back-off ended."""
    return mail.requeue_unsent(older_than=timedelta(seconds=older_than_seconds))


@shared_task(acks_late=True)
def purge_sent_email() -> int:
    return mail.purge_sent(days=settings.OUTBOX_RETENTION_DAYS)
