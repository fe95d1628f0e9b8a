from __future__ import annotations

from celery import shared_task

from partners import services


@shared_task(acks_late=True)
def purge_withdrawals() -> int:
    """Delete the withdrawals organizations have had WITHDRAWALS_KEPT_DAYS to read (daily)."""
    return services.purge_withdrawals()
