"""Petition.campaign points to allout.Campaign (allout 0003 took over events' table).

State only: the foreign key already points at the renamed table. It runs before events
forgets its Campaign, which this field pointed to until now.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0001_initial"),
        ("allout", "0003_campaign_highriskcountry"),
    ]
    run_before = [("events", "0005_campaign_highriskcountry_to_allout")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="petition",
                    name="campaign",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="petitions",
                        to="allout.campaign",
                        verbose_name="campaign",
                    ),
                ),
            ],
        ),
    ]
