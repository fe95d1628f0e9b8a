"""The migrations that give stored sign-ups and emails their canonical address."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from allout.models import OutboxEmail
from events import attendance_links as links
from events.models import Attendance
from events.services import rsvp
from tests.events.factories import make_attendance, make_event
from tests.migrations import just_before, latest, migrate_to

# Migrating back and forth alters tables: outside a test transaction (pending triggers).
pytestmark = pytest.mark.django_db(transaction=True)

MIGRATION = ("events", "0007_attendance_canonical_email")
BEFORE, AFTER = "before", "after"


def migrate(to: str) -> None:
    """To the state just before MIGRATION, or to the newest state of every app."""
    migrate_to(just_before(MIGRATION) if to == BEFORE else latest())


@pytest.fixture(autouse=True)
def _newest_schema_after_each_test():
    """A failing test must not leave the database on an old schema for the tests after it."""
    yield
    migrate(AFTER)


def stored(email: str, event, **kwargs) -> Attendance:
    """A sign-up as it was stored before the Gmail rules: its address lowercased. Written
    with the old schema's model: today's has columns of later migrations."""
    executor = MigrationExecutor(connection)
    before = [parent.key for parent in executor.loader.graph.node_map[MIGRATION].parents]
    old_model = executor.loader.project_state(before).apps.get_model("events", "Attendance")
    row = old_model.objects.create(
        event_id=event.pk,
        first_name="Alex",
        email=email,
        email_normalized=email.strip().lower(),
        **kwargs,
    )
    return Attendance(pk=row.pk, event=event)


def normalized(attendance: Attendance) -> str:
    attendance.refresh_from_db(fields=["email_normalized"])
    return attendance.email_normalized


# Events are made before migrating back: today's Event model has columns of later migrations.
def test_the_migration_gives_stored_gmail_sign_ups_their_canonical_address():
    event = make_event()
    migrate(BEFORE)
    gmail = stored("J.Doe+demo@GoogleMail.com", event)
    other = stored("Jane.Doe+x@example.org", event)
    erased = stored("erased-1@invalid", event, erased_at=event.starts_at)
    migrate(AFTER)
    assert normalized(gmail) == "jdoe@gmail.com"
    assert normalized(other) == "jane.doe+x@example.org"
    assert normalized(erased) == "erased-1@invalid"
    # A repeat RSVP under yet another spelling now finds the stored sign-up.
    rsvp.rsvp(event, first_name="J", email="jdoe@gmail.com", consent_organizer=False)
    assert Attendance.objects.count() == 3


def test_of_two_spellings_at_one_event_the_confirmed_one_becomes_canonical_and_none_is_lost():
    event, other_event = make_event(), make_event()
    migrate(BEFORE)
    # Typed canonically but never confirmed; the same inbox confirmed under another spelling.
    waiting = stored("janedoe@gmail.com", event)
    confirmed = stored("Jane.Doe+x@gmail.com", event, status=Attendance.Status.CONFIRMED)
    cancelled = stored("jane.doe@gmail.com", event, status=Attendance.Status.CANCELLED)
    elsewhere = stored("Jane.Doe@gmail.com", other_event)
    migrate(AFTER)
    assert normalized(confirmed) == "janedoe@gmail.com"
    assert normalized(waiting) == "jane.doe+x@gmail.com"  # swapped with the confirmed one
    assert normalized(cancelled) == "jane.doe@gmail.com"  # kept its old value
    assert normalized(elsewhere) == "janedoe@gmail.com"
    assert Attendance.objects.count() == 4

    # A repeat RSVP finds the confirmed row and changes nothing.
    rsvp.rsvp(event, first_name="J", email="jane.doe@gmail.com", consent_organizer=False)
    assert Attendance.objects.count() == 4
    # The row that kept an old value still works through the links already emailed.
    rsvp.confirm(waiting)
    assert normalized(waiting) == "jane.doe+x@gmail.com"
    assert links.attendance_id(links.token(waiting, links.Purpose.VIEW), links.Purpose.VIEW)


def test_the_migration_can_be_reversed_to_the_lowercased_addresses():
    event = make_event()
    first = make_attendance(event, email="Jane.Doe+x@gmail.com", status="confirmed")
    migrate(BEFORE)
    assert normalized(first) == "jane.doe+x@gmail.com"
    migrate(AFTER)
    assert normalized(first) == "janedoe@gmail.com"


def test_the_outbox_migration_gives_stored_emails_their_canonical_recipient():
    before = ("allout", "0004_campaign_highriskcountry_content_types")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old_model = executor.loader.project_state(before).apps.get_model("allout", "OutboxEmail")
    old_model.objects.create(kind="test_message", to="Jane.Doe+x@GoogleMail.com", subject="s")
    migrate(AFTER)
    assert OutboxEmail.objects.get().to_canonical == "janedoe@gmail.com"
