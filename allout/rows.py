"""Inserting rows in as few round trips as they need: a row unless a unique constraint
already holds its twin (insert_new), a row with ids handed out ahead (next_id), and the SQL
of an INSERT to combine with another in one statement (insert_sql)."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router
from django.db.models import sql
from django.db.models.constants import OnConflict
from django.db.models.expressions import DatabaseDefault


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
    if on_conflict not in (None, OnConflict.IGNORE):
        raise ValueError(f"only ON CONFLICT DO NOTHING, not {on_conflict}")
    head, values, returning, parameters = insert_parts(instance)
    conflict = " ON CONFLICT DO NOTHING" if on_conflict is OnConflict.IGNORE else ""
    return f"{head} VALUES ({values}){conflict} {returning}", tuple(parameters)


def insert_parts(instance: models.Model) -> tuple[str, str, str, list[Any]]:
    """insert_sql()'s INSERT in its parts: `INSERT INTO "table" ("a", "b")`, its values'
    placeholders (`%s, NULL`), `RETURNING "table"."id"`, and the parameters: the values
    to select from another table expression (INSERT ... SELECT), as allout.mail does.

    The same values and SQL as Django's compiler writes (tests/allout/test_rows.py compares
    them), but the statement's text is kept per model and a None is written as NULL, not
    passed: a signature's statement then has few enough parameters (at most 50) for psycopg to
    keep its parsed form, and the compiler's work is not done again on every request.
    A database default (a field's db_default) is refused: its DEFAULT is not a value an
    INSERT ... SELECT can select.
    """
    plan = _plan(type(instance), with_pk=instance.pk is not None)
    if plan is None:
        return _compiled_parts(instance)
    connection = connections[router.db_for_write(type(instance), instance=instance)]
    placeholders, parameters = [], []
    for field in plan.fields:
        value = field.pre_save(instance, True)  # add=True: auto_now_add, as save() does
        if isinstance(value, DatabaseDefault):
            raise ValueError(f"{field} has no value: its database default cannot be selected")
        if hasattr(value, "resolve_expression"):
            return _compiled_parts(instance)  # an expression: the compiler's to write
        value = field.get_db_prep_save(value, connection=connection)
        if value is None:
            placeholders.append("NULL")  # what psycopg would write for it
        else:
            placeholders.append("%s")
            parameters.append(value)
    return plan.head, ", ".join(placeholders), plan.returning, parameters


@dataclass(frozen=True)
class _Plan:
    fields: tuple[models.Field, ...]
    head: str
    returning: str


_plans: dict[tuple[type[models.Model], bool], _Plan | None] = {}


def _plan(model: type[models.Model], *, with_pk: bool) -> _Plan | None:
    """The fields and the fixed text of `model`'s INSERT, or None for a model with a field
    whose placeholder is not plain (a geometry's: Django's compiler writes those)."""
    key = (model, with_pk)
    if key not in _plans:
        meta = model._meta
        fields = tuple(_fields(model, with_pk=with_pk))
        plain = not any(hasattr(field, "get_placeholder") for field in fields)
        quote = connections[router.db_for_write(model)].ops.quote_name  # PostgreSQL's, as any
        _plans[key] = (
            _Plan(
                fields=fields,
                head=f"INSERT INTO {quote(meta.db_table)} "
                f"({', '.join(quote(field.column) for field in fields)})",
                returning=f"RETURNING {quote(meta.db_table)}.{quote(meta.pk.column)}",
            )
            if plain
            else None
        )
    return _plans[key]


def _fields(model: type[models.Model], *, with_pk: bool) -> list[models.Field]:
    meta = model._meta
    return [
        field
        for field in meta.local_concrete_fields
        if not field.generated and (field is not meta.auto_field or with_pk)
    ]


# What Django's compiler writes, in the parts insert_parts() returns.
_COMPILED = re.compile(r"(INSERT INTO \S+ \([^)]*\)) VALUES \((.*)\) (RETURNING .*)", re.DOTALL)


def _compiled_parts(instance: models.Model) -> tuple[str, str, str, list[Any]]:
    using = router.db_for_write(type(instance), instance=instance)
    query = sql.InsertQuery(type(instance))
    query.insert_values(_fields(type(instance), with_pk=instance.pk is not None), [instance])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = [instance._meta.pk]
    ((statement, parameters),) = compiler.as_sql()
    found = _COMPILED.fullmatch(statement)
    if found is None:
        raise ValueError(f"not an INSERT as Django's compiler writes it: {statement}")
    head, values, returning = found.groups()
    return head, values, returning, list(parameters)


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
