"""Inserting rows in as few round trips as they need: a row unless a unique constraint
already holds its twin (insert_new), a row with ids handed out ahead (next_id), and the SQL
of an INSERT to combine with another in one statement (insert_sql)."""

from __future__ import annotations

import os
import threading

from django.db import connections, models, router
from django.db.models import sql
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


def insert_sql(
    instance: models.Model, *, on_conflict: OnConflict | None = None
) -> tuple[str, tuple]:
    """The SQL and parameters of the INSERT that save() would run for `instance` (its pk
    included when set, as next_id() sets it), RETURNING the pk: what QuerySet._insert
    builds, to put inside a larger statement. Fills `auto_now_add` fields, as save() does,
    and skips save()'s overrides and signals like insert_new()."""
    meta = instance._meta
    using = router.db_for_write(type(instance), instance=instance)
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.generated and (f is not meta.auto_field or instance.pk is not None)
    ]
    query = sql.InsertQuery(type(instance), on_conflict=on_conflict)
    query.insert_values(fields, [instance])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = [meta.pk]
    ((statement, parameters),) = compiler.as_sql()
    return statement, tuple(parameters)


# Ids taken from a table's sequence this many at a time, per process: a row whose id must
# be known before its INSERT (an email that links to it, stored in the same statement)
# costs no round trip of its own. Ids are still unique; some are skipped, as a rollback does.
ID_BLOCK = 50
_ids: dict[tuple[int, str], list[int]] = {}
_ids_lock = threading.Lock()


def next_id(model: type[models.Model]) -> int:
    """A fresh id for a new `model` row, from its table's sequence."""
    meta = model._meta
    key = (os.getpid(), meta.db_table)  # a forked process takes its own
    with _ids_lock:
        ids = _ids.get(key)
        if not ids:
            ids = _ids[key] = _take_ids(model)
        return ids.pop()


def forget_ids() -> None:
    """Drop the ids this process holds (tests: each starts without, so it counts the same
    queries whatever ran before)."""
    with _ids_lock:
        _ids.clear()


def _take_ids(model: type[models.Model]) -> list[int]:
    meta = model._meta
    using = router.db_for_write(model)
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, ID_BLOCK],
        )
        return sorted((row[0] for row in cursor.fetchall()), reverse=True)
