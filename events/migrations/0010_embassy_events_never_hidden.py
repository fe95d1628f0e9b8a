"""An embassy or consulate event never hides its meeting point.

Its address is public and its page names the embassy, so "hidden" protected no one and
promised what it could not keep. Events saved that way show their point from now on: the
flag goes off and the public point is the exact one again. No row is deleted. A constraint
then keeps it so.
"""

from django.db import migrations, models
from django.db.models import F


def show_embassy_points(apps, schema_editor) -> None:
    Event = apps.get_model("events", "Event")
    Event.objects.filter(kind="embassy", hide_exact_location=True).update(
        hide_exact_location=False, public_point=F("point")
    )


class Migration(migrations.Migration):

    dependencies = [
        ("allout", "0005_outbox_to_canonical"),
        ("events", "0009_staff_access_log_and_view_participants"),
    ]

    operations = [
        migrations.RunPython(show_embassy_points, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event",
            name="hide_exact_location",
            field=models.BooleanField(
                default=False,
                help_text="Not for an embassy or consulate: its address is public, so hiding it would protect no one.",
                verbose_name="show the exact meeting point only to confirmed participants",
            ),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.CheckConstraint(
                condition=models.Q(("hide_exact_location", True), ("kind", "embassy"), _negated=True),
                name="event_embassy_never_hidden",
            ),
        ),
    ]
