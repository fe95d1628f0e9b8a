"""The relay's index of rows never published, and the sent rows' index of sent rows only.

Built and dropped concurrently: the outbox keeps taking the emails of signatures meanwhile.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("allout", "0012_outbox_context"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="outboxemail",
            index=models.Index(
                condition=models.Q(
                    ("claimed_at__isnull", True),
                    ("failed_at__isnull", True),
                    ("next_attempt_at__isnull", True),
                    ("published_at__isnull", True),
                    ("sent_at__isnull", True),
                ),
                fields=["id"],
                name="outbox_unpublished_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="outboxemail", name="outbox_sent_idx"),
        AddIndexConcurrently(
            model_name="outboxemail",
            index=models.Index(
                condition=models.Q(("sent_at__isnull", False)),
                fields=["sent_at"],
                name="outbox_sent_idx",
            ),
        ),
    ]
