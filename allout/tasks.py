from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from allout import mail


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def send_outbox_email(pk: int) -> bool:
    """Send one outbox row; safe to run any number of times."""
    return mail.deliver(pk)


@shared_task(acks_late=True)
def requeue_unsent_email(older_than_seconds: int = 30) -> int:
    """Re-publish rows left unsent (broker was down, worker died, retries ran out)."""
    return mail.requeue_unsent(older_than=timedelta(seconds=older_than_seconds))


@shared_task(acks_late=True)
def purge_sent_email() -> int:
    return mail.purge_sent(days=settings.OUTBOX_RETENTION_DAYS)
