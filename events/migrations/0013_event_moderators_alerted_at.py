from django.db import migrations, models
from django.db.models import F


def mark_existing_as_alerted(apps, schema_editor) -> None:
    # Events registered before this column existed were announced one email each, at once.
    Event = apps.get_model("events", "Event")
    Event.objects.update(moderators_alerted_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0012_attendance_event_created_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="moderators_alerted_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark_existing_as_alerted, migrations.RunPython.noop, elidable=True),
    ]
