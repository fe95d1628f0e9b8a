"""Reminders to confirmed participants: one day before and a few hours before the start.

Each reminder is sent once per participant and start time: a rescheduled event reminds anew.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from events import emails
from events.models import Attendance, Event


@dataclass(frozen=True)
class Reminder:
    """A reminder due `opens` before the start and pointless later than `closes` before it."""

    name: str
    # The Attendance column holding the start time this reminder was sent for.
    field: str
    opens: datetime.timedelta
    closes: datetime.timedelta

    def due(self, now: datetime.datetime) -> QuerySet[Attendance]:
        """Confirmed participants of events in this reminder's window not yet reminded."""
        not_sent_for_this_start = Q(**{f"{self.field}__isnull": True}) | ~Q(
            **{self.field: F("event__starts_at")}
        )
        return (
            Attendance.objects.confirmed()
            .filter(
                event__status=Event.Status.APPROVED,
                event__starts_at__gt=now + self.closes,
                event__starts_at__lte=now + self.opens,
            )
            .filter(not_sent_for_this_start)
        )


DAY_BEFORE = Reminder(
    "day_before", "reminded_day_before_for", datetime.timedelta(days=1), datetime.timedelta(hours=3)
)
HOURS_BEFORE = Reminder(
    "hours_before", "reminded_hours_before_for", datetime.timedelta(hours=3), datetime.timedelta(0)
)
REMINDERS = (DAY_BEFORE, HOURS_BEFORE)


def send_reminders(*, batch_size: int = 200) -> int:
    """Queue every reminder that is due; each goes to each participant once. Returns how many."""
    sent = 0
    for reminder in REMINDERS:
        while True:
            count = _send_reminder_batch(reminder, batch_size)
            sent += count
            if count < batch_size:
                break
    return sent


def _send_reminder_batch(reminder: Reminder, batch_size: int) -> int:
    with transaction.atomic():
        # SKIP LOCKED: two sweeps running at once split the rows instead of both sending.
        # A row a concurrent sweep has just marked no longer matches once its lock is gone.
        attendances = list(
            reminder.due(timezone.now())
            .select_related("event")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")[:batch_size]
        )
        by_start: dict[datetime.datetime, list[int]] = defaultdict(list)
        for attendance in attendances:
            emails.attendance_reminder(attendance, reminder.name)
            by_start[attendance.event.starts_at].append(attendance.pk)
        # Mark each row with the start time it was reminded for, in the transaction that
        # queued its email: a rescheduled event no longer matches and is reminded anew.
        for starts_at, pks in by_start.items():
            Attendance.objects.filter(pk__in=pks).update(**{reminder.field: starts_at})
    return len(attendances)
