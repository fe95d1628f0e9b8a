import django.db.models.deletion
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # The pull's index is rebuilt without locking out signing (as 0007 built it). Every
    # signature stored so far gets no organization: none was told, beside the box it ticked,
    # that its details would go to one.
    atomic = False

    dependencies = [
        ("partners", "0001_initial"),
        ("petitions", "0007_signature_author_optin_idx"),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name="signature",
            name="signature_author_optin_idx",
        ),
        migrations.AddField(
            model_name="signature",
            name="shared_with",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="partners.partnerorganization",
                verbose_name="details shared with",
            ),
        ),
        AddIndexConcurrently(
            model_name="signature",
            index=models.Index(
                condition=models.Q(
                    ("confirmed_at__isnull", False),
                    ("consent_author", True),
                    ("shared_with__isnull", False),
                ),
                fields=["petition", "confirmed_at", "id"],
                name="signature_author_optin_idx",
            ),
        ),
    ]
