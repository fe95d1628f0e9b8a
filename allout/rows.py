"""Inserting a row unless a unique constraint already holds its twin, in one round trip."""

from __future__ import annotations

from django.db import models, router
from django.db.models.constants import OnConflict


def insert_new(instance: models.Model) -> bool:
    """INSERT `instance` ... ON CONFLICT DO NOTHING; True (and its pk set) if it was new.

    What `get_or_create()` does in four round trips (a SELECT, then a savepoint around the
    INSERT so a racing twin's IntegrityError can be caught) in one: the INSERT waits for a
    twin being inserted by another transaction and skips the row if that twin commits.
    The caller fetches the existing row when this returns False. Like `save()`, it fills
    `auto_now_add` fields, but it skips save()'s overrides and signals: the caller sets
    what an override would (a canonical address, say).
    """
    meta = instance._meta
    using = router.db_for_write(type(instance), instance=instance)
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    # QuerySet._insert is the call save() and bulk_create() make; it alone combines
    # ON CONFLICT DO NOTHING with RETURNING.
    rows = (
        type(instance)
        ._base_manager.using(using)
        ._insert(  # type: ignore[attr-defined]
            [instance],
            fields=fields,
            returning_fields=[meta.pk],
            using=using,
            on_conflict=OnConflict.IGNORE,
        )
    )
    if not rows or rows[0] is None:
        return False
    (instance.pk,) = rows[0]
    instance._state.adding = False
    instance._state.db = using
    return True
