from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # The pull's index is rebuilt without locking out signing (as 0007 built it). Every
    # signature stored so far gets False: none was told its details would go to the author.
    atomic = False

    dependencies = [
        ("petitions", "0007_signature_author_optin_idx"),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name="signature",
            name="signature_author_optin_idx",
        ),
        migrations.AddField(
            model_name="signature",
            name="consent_author_shared",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="details shared with the author"
            ),
        ),
        AddIndexConcurrently(
            model_name="signature",
            index=models.Index(
                condition=models.Q(
                    ("confirmed_at__isnull", False),
                    ("consent_author", True),
                    ("consent_author_shared", True),
                ),
                fields=["petition", "confirmed_at", "id"],
                name="signature_author_optin_idx",
            ),
        ),
    ]
