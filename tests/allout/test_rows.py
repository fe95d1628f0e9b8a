"""allout.rows.insert_sql() writes what Django's compiler writes for the rows the one
statement stores (a signature, a sign-up, an outbox email), with a None written as NULL:
the same rows once run."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection, models
from django.db.models import sql
from django.utils import timezone

from allout import mail
from allout.models import OutboxEmail
from allout.rows import insert_parts, insert_sql, next_id
from events.models import Attendance
from petitions.models import Signature
from tests.events.factories import make_event
from tests.petitions.conftest import make_petition

pytestmark = pytest.mark.django_db


def compiled(instance: models.Model) -> tuple[str, list]:
    """Django's own INSERT for `instance`, with its None parameters written in as NULL."""
    meta = instance._meta
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.generated and (f is not meta.auto_field or instance.pk is not None)
    ]
    query = sql.InsertQuery(type(instance))
    query.insert_values(fields, [instance])
    compiler = query.get_compiler(using="default")
    compiler.returning_fields = [meta.pk]
    ((statement, parameters),) = compiler.as_sql()
    pieces = statement.split("%s")
    written, kept = [pieces[0]], []
    for parameter, piece in zip(parameters, pieces[1:], strict=True):
        if parameter is None:
            written.append("NULL")
        else:
            written.append("%s")
            kept.append(parameter)
        written.append(piece)
    return "".join(written), kept


def plain(parameters) -> list:
    """The values, a JSON's unwrapped (psycopg's Jsonb compares by identity)."""
    return [getattr(parameter, "obj", parameter) for parameter in parameters]


def rows() -> list[models.Model]:
    petition, event = make_petition(), make_event()
    signature = Signature(
        pk=next_id(Signature),
        petition=petition,
        first_name="Ада",
        last_name="O'Brien",
        email="Ada@Example.org",
        email_normalized="ada@example.org",
        country="DE",
        language="de",
        last_emailed_at=timezone.now(),
    )
    attendance = Attendance(
        pk=next_id(Attendance),
        event=event,
        first_name="Ada",
        email="ada@example.org",
        email_normalized="ada@example.org",
        consent_organizer=True,
        language="fr",
        confirmation_sent_at=timezone.now(),
    )
    email = mail.deferred_row("attendance_repeat", "ada@example.org", {"x": 1}, language="fr")
    return [signature, attendance, email]


def test_the_insert_is_djangos_with_none_as_null():
    for row in rows():
        # One moment for both, so their auto_now_add times agree.
        with time_machine.travel(timezone.now(), tick=False):
            statement, parameters = insert_sql(row)
            expected_statement, expected_parameters = compiled(row)
            assert statement == expected_statement
            assert plain(parameters) == plain(expected_parameters), type(row).__name__
        assert "NULL" in statement  # the case that matters: fewer parameters


def test_the_insert_stores_the_row_save_would():
    for row in rows():
        statement, parameters = insert_sql(row)
        with connection.cursor() as cursor:
            cursor.execute(statement, parameters)
            (pk,) = cursor.fetchone()
        stored = type(row)._base_manager.get(pk=pk)
        for field in row._meta.local_concrete_fields:
            assert getattr(stored, field.attname) == getattr(row, field.attname) or (
                field.primary_key and row.pk is None
            ), field.name


def test_a_model_with_a_geometry_is_left_to_djangos_compiler():
    event = make_event()
    event.pk = None
    event.slug = "another"
    head, values, returning, parameters = insert_parts(event)
    assert "ST_GeomFromEWKB" in values or "::geometry" in values or "%s" in values
    assert head.startswith('INSERT INTO "events_event"') and returning.startswith("RETURNING")
    assert len(parameters) == values.count("%s")


def counting(executed: list[int]):
    def count(execute, statement, parameters, many, context):
        executed.append(len(parameters))
        return execute(statement, parameters, many, context)

    return count


def test_the_one_statement_has_few_enough_parameters_for_psycopgs_cache():
    """psycopg keeps the parsed form of a statement with at most 50 parameters."""
    signature, attendance, _ = rows()
    for row in (signature, attendance):
        with mail.held() as held:
            mail.queue("attendance_confirm", row.email, {"x": 1}, language="en")
        repeat = mail.deferred_row("attendance_repeat", row.email, {"x": 1}, language="en")
        executed: list[int] = []
        with connection.execute_wrapper(counting(executed)):
            mail.insert_new_with_email(row, held, otherwise=repeat)
        assert executed and max(executed) <= 50, (type(row).__name__, executed)
    assert OutboxEmail.objects.filter(kind="attendance_confirm").count() == 2
