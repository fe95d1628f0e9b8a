from __future__ import annotations

from celery import shared_task

from petitions import links, services


@shared_task(acks_late=True)
def purge_unconfirmed_signatures() -> int:
    """Delete signatures whose confirmation link expired unused (Celery beat, daily)."""
    return services.purge_unconfirmed(older_than=links.CONFIRM_MAX_AGE)
