"""allout.rows.insert_sql() writes what Django's compiler writes for the rows the one
statement stores (a signature, a sign-up, an outbox email), with a None written as NULL:
the same rows once run."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection, models
from django.db.models import Value, sql
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone
from psycopg import _queries

from allout import mail
from allout import rows as rows_module
from allout.models import OutboxEmail
from allout.rows import insert_parts, insert_sql, next_id
from events.models import Attendance, Event
from events.services import rsvp as signups
from petitions import services
from petitions.models import Signature
from tests.events.factories import make_event
from tests.partners.conftest import make_organization
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
    assert rows_module._plan(Event, with_pk=False) is None  # a geometry's placeholder
    event = make_event()
    event.pk, event.slug = None, "another"
    with time_machine.travel(timezone.now(), tick=False):
        head, values, returning, parameters = insert_parts(event)
        expected = rows_module._compiled_parts(event)
    assert (head, values, returning) == expected[:3]
    assert plain(parameters) == plain(expected[3])


def test_a_database_default_is_refused_not_written_as_default():
    signature = rows()[0]
    signature.first_name = DatabaseDefault(Value("A"))
    with pytest.raises(ValueError, match="database default"):
        insert_parts(signature)


def recording(executed: list[tuple[str, int]]):
    """Each statement, and how many parses psycopg took from its cache while running it."""

    def record(execute, statement, parameters, many, context):
        hits = _queries._query2pg_client.cache_info().hits
        try:
            return execute(statement, parameters, many, context)
        finally:
            executed.append((statement, _queries._query2pg_client.cache_info().hits - hits))

    return record


def test_the_one_statement_is_one_psycopg_keeps_parsed():
    """psycopg keeps the parsed form of a statement of at most 50 parameters and 4,096
    characters: a signature with the most values (shared with the petition's author) and a
    sign-up, as the services store them, a second time reusing the first one's parse."""
    organization = make_organization()
    petition = make_petition(author_organization=organization)
    event = make_event()

    def sign(email: str) -> None:
        services.sign(
            petition, first_name="A", last_name="B", email=email, country="DE", consent_author=True
        )

    def rsvp(email: str) -> None:
        signups.rsvp(event, first_name="A", email=email, consent_organizer=True)

    for store in (sign, rsvp):
        executed: list[tuple[str, int]] = []
        with connection.execute_wrapper(recording(executed)):
            store("first@example.org")
            store("second@example.org")
        ((first, _), (second, reused)) = [run for run in executed if run[0].startswith("WITH")]
        assert first == second
        assert second.count("%s") <= _queries.MAX_CACHED_STATEMENT_PARAMS, store.__name__
        assert len(second) <= _queries.MAX_CACHED_STATEMENT_LENGTH, store.__name__
        assert reused == 1, store.__name__  # the second took the first one's parse
    assert petition.signatures.filter(shared_with=organization).count() == 2
    assert OutboxEmail.objects.filter(kind="petition_confirm").count() == 2
    assert OutboxEmail.objects.filter(kind="attendance_confirm").count() == 2
