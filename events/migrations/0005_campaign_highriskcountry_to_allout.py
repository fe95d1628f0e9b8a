"""Campaign and HighRiskCountry now live in allout (allout 0003 renamed their tables).

State only: the foreign key from events_event already points at the renamed table, and
the tables are allout's now, so nothing is dropped.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_organizermessage"),
        ("allout", "0003_campaign_highriskcountry"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="campaign",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="allout.campaign",
                    ),
                ),
                migrations.DeleteModel(name="Campaign"),
                migrations.DeleteModel(name="HighRiskCountry"),
            ],
        ),
    ]
