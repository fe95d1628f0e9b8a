"""The petition's count moves from its one column to PetitionCounter shards.

Each petition's stored count goes, as it is, to its shard 0 (never recounted here: a
count staff repaired stays repaired); backwards, the shards' sum goes back to the column.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


def count_to_shard_zero(apps, schema_editor):
    Petition = apps.get_model("petitions", "Petition")
    PetitionCounter = apps.get_model("petitions", "PetitionCounter")
    petitions = Petition.objects.exclude(signature_count=0).values_list("pk", "signature_count")
    PetitionCounter.objects.bulk_create(
        PetitionCounter(petition_id=pk, shard=0, count=count) for pk, count in petitions.iterator()
    )


def shards_to_count(apps, schema_editor):
    Petition = apps.get_model("petitions", "Petition")
    PetitionCounter = apps.get_model("petitions", "PetitionCounter")
    total = (
        PetitionCounter.objects.filter(petition=OuterRef("pk"))
        .values("petition")
        .annotate(total=Sum("count"))
        .values("total")
    )
    Petition.objects.update(signature_count=Coalesce(Subquery(total), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0002_campaign_in_allout"),
    ]

    operations = [
        migrations.CreateModel(
            name="PetitionCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("shard", models.PositiveSmallIntegerField(verbose_name="shard")),
                ("count", models.IntegerField(default=0, verbose_name="count")),
                (
                    "petition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="counters",
                        to="petitions.petition",
                        verbose_name="petition",
                    ),
                ),
            ],
            options={
                "verbose_name": "signature counter shard",
                "verbose_name_plural": "signature counter shards",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("petition", "shard"), name="petition_counter_shard"
                    )
                ],
            },
        ),
        migrations.RunPython(count_to_shard_zero, shards_to_count),
        migrations.RemoveField(model_name="petition", name="signature_count"),
    ]
