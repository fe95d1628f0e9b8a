"""Event.public_changed_at: what calendars are told of an event's last change, apart from
updated_at (which hidden edits move too). Existing events start from their updated_at, as
calendars already hold them; the first feed after the migration records their digest."""

from django.db import migrations, models
from django.db.models import F


def start_from_updated_at(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    Event.objects.update(public_changed_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0018_protest_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="public_changed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="event",
            name="public_digest",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.RunPython(start_from_updated_at, migrations.RunPython.noop, elidable=True),
    ]
