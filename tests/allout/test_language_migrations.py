"""The migrations that give sign-ups, signatures, events and outbox rows a language keep
every row, each in English: the language every email was written in before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from allout.models import OutboxEmail
from events.models import Attendance, Event
from petitions.models import Signature
from tests.events.factories import make_event
from tests.migrations import latest, migrate_to
from tests.petitions.conftest import make_petition

# Migrating back and forth alters tables: outside a test transaction (pending triggers).
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("allout", "0010_campaign_translations"),
    ("events", "0014_event_language"),
    ("petitions", "0004_petition_translations"),
]


@pytest.fixture
def old_schema() -> Iterator[None]:
    yield
    migrate_to(latest())


def test_every_stored_row_is_kept_and_reads_english(old_schema):
    # Made with today's models, then the schema goes back: its language columns go with it.
    event, petition = make_event(), make_petition()
    apps = migrate_to(BEFORE)
    apps.get_model("events", "Attendance").objects.create(
        event_id=event.pk, first_name="Masha", email="masha@example.org", email_normalized="m"
    )
    apps.get_model("petitions", "Signature").objects.create(
        petition_id=petition.pk,
        first_name="Anna",
        last_name="Schmidt",
        email="anna@example.org",
        email_normalized="anna@example.org",
        country="DE",
    )
    apps.get_model("allout", "OutboxEmail").objects.create(
        kind="test_message", to="reader@example.org", subject="s", body_text="b"
    )

    migrate_to(latest())

    assert Event.objects.get(pk=event.pk).organizer_language == "en"
    assert Attendance.objects.get().language == "en"
    assert Signature.objects.get().language == "en"
    assert OutboxEmail.objects.get().language == "en"
