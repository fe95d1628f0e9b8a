"""The migration that moves each petition's count from its column to counter shards."""

import pytest
from django.db import connection

from petitions import services
from petitions.models import Petition, PetitionCounter
from tests.migrations import just_before, latest, migrate_to
from tests.petitions.conftest import make_petition, make_signature

# Migrating back and forth alters tables: outside a test transaction (pending triggers).
pytestmark = pytest.mark.django_db(transaction=True)

MIGRATION = ("petitions", "0003_signature_counter_shards")
BEFORE, AFTER = "before", "after"


def migrate(to: str) -> None:
    """To the state just before MIGRATION, or to the newest state of every app."""
    migrate_to(just_before(MIGRATION) if to == BEFORE else latest())


@pytest.fixture(autouse=True)
def _newest_schema_after_each_test():
    """A failing test must not leave the database on an old schema for the tests after it."""
    yield
    migrate(AFTER)


def set_column(petition: Petition, count: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE petitions_petition SET signature_count = %s WHERE id = %s", [count, petition.pk]
        )


def column(petition: Petition) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT signature_count FROM petitions_petition WHERE id = %s", [petition.pk]
        )
        return cursor.fetchone()[0]


def count(petition: Petition) -> int:
    return Petition.objects.get(pk=petition.pk).signature_count


# Petitions are made before migrating back: today's model has no column for the count.
def test_each_stored_count_moves_to_shard_zero_as_it_is():
    signed, repaired, unsigned = make_petition(), make_petition(), make_petition()
    migrate(BEFORE)
    set_column(signed, 41)
    set_column(repaired, 7)  # staff's recount may differ from the rows here: it is kept
    migrate(AFTER)
    assert (count(signed), count(repaired), count(unsigned)) == (41, 7, 0)
    rows = PetitionCounter.objects.filter(petition=signed).values_list("shard", "count")
    assert list(rows) == [(0, 41)]
    assert not PetitionCounter.objects.filter(petition=unsigned).exists()
    # Counting goes on from there.
    services.confirm(make_signature(signed))
    assert count(signed) == 42


def test_migrating_back_puts_the_sum_of_the_shards_in_the_column():
    petition, unsigned = make_petition(), make_petition()
    for _ in range(3):
        services.confirm(make_signature(petition))
    PetitionCounter.objects.add(petition.pk, 10, shard=0)
    migrate(BEFORE)
    assert (column(petition), column(unsigned)) == (13, 0)
    migrate(AFTER)
    assert (count(petition), count(unsigned)) == (13, 0)
