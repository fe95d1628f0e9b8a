"""Recompute every event's approximate point with the keyed grid of events.geo.approximate.

The old points were drawn at random on every move of the pin, so a few saves gave samples
that average back to the exact place. The new one depends only on the exact point's cell
and the secret; hidden events show it as their public point. Every row stays; only these
two columns change. The old random points cannot be restored, so the way back keeps the
new ones (they are as good as any).
"""

from django.db import migrations

from events.geo import approximate


def recompute(apps, schema_editor) -> None:
    Event = apps.get_model("events", "Event")
    events = Event.objects.only("point", "hide_exact_location").order_by("pk")
    batch = []
    for event in events.iterator(chunk_size=1000):
        event.approximate_point = approximate(event.point)
        event.public_point = event.approximate_point if event.hide_exact_location else event.point
        batch.append(event)
        if len(batch) == 1000:
            Event.objects.bulk_update(batch, ["approximate_point", "public_point"])
            batch = []
    Event.objects.bulk_update(batch, ["approximate_point", "public_point"])


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0010_embassy_events_never_hidden"),
    ]

    operations = [
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
