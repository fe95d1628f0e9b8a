from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking out signing: a big petition's table keeps taking signatures.
    atomic = False

    dependencies = [
        ("petitions", "0006_petition_author_organization"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='signature',
            index=models.Index(condition=models.Q(('confirmed_at__isnull', False), ('consent_author', True)), fields=['petition', 'confirmed_at', 'id'], name='signature_author_optin_idx'),
        ),
    ]
