"""Recompute Attendance.email_normalized with the canonical-email rules (allout.addresses).

It held the lowercased address; at Gmail, dots, +tags and googlemail.com now count as one
address, as they do for signatures and on the data page. Only rows at Gmail change.

Two current rows of one event can be one Gmail address spelled two ways. The unique
constraint attendance_one_per_email allows one of them the canonical value, and no row is
deleted: the most advanced row (confirmed, then waiting for confirmation, then cancelled;
the oldest first) takes the canonical value, so a repeat RSVP finds it, and every other
row keeps its old lowercased value, which no other row of its event holds. If the other
row held the canonical value already (it was typed that way), it takes the advanced row's
old value instead: the two swap. The data page finds such a row under the spelling it was
made with (events.services.erasure._of_address).
"""

from django.db import migrations
from django.db.models import Q

from allout.addresses import canonical_email

RANK = {"confirmed": 0, "unconfirmed": 1, "cancelled": 2}
AT_GMAIL = Q(email_normalized__endswith="@gmail.com") | Q(email_normalized__endswith="@googlemail.com")


def _assign(Attendance, rows: list, values: dict[int, str]) -> None:
    """Give rows their new values without one ever holding another's value in between."""
    changed = [row for row in rows if row.email_normalized != values[row.pk]]
    for row in changed:  # first out of the way, so every value is free for the second pass
        row.email_normalized = f"migrating-{row.pk}@invalid"
    Attendance.objects.bulk_update(changed, ["email_normalized"], batch_size=1000)
    for row in changed:
        row.email_normalized = values[row.pk]
    Attendance.objects.bulk_update(changed, ["email_normalized"], batch_size=1000)


def to_canonical(apps, schema_editor):
    Attendance = apps.get_model("events", "Attendance")
    rows = list(
        Attendance.objects.filter(AT_GMAIL, erased_at__isnull=True).only(
            "pk", "event_id", "email", "email_normalized", "status", "created_at"
        )
    )
    groups = {}
    for row in rows:
        groups.setdefault((row.event_id, canonical_email(row.email)), []).append(row)
    values = {}
    for (_, canonical), group in groups.items():
        group.sort(key=lambda row: (RANK.get(row.status, len(RANK)), row.created_at, row.pk))
        first, *others = group
        values[first.pk] = canonical
        for other in others:
            swapped = other.email_normalized == canonical
            values[other.pk] = first.email_normalized if swapped else other.email_normalized
    _assign(Attendance, rows, values)


def to_lowercase(apps, schema_editor):
    Attendance = apps.get_model("events", "Attendance")
    rows = list(
        Attendance.objects.filter(AT_GMAIL, erased_at__isnull=True).only("pk", "email", "email_normalized")
    )
    _assign(Attendance, rows, {row.pk: row.email.strip().lower() for row in rows})


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0006_event_cancellation_note"),
    ]

    operations = [
        migrations.RunPython(to_canonical, to_lowercase),
    ]
