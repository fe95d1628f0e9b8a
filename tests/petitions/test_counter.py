"""The count's shards: where a confirmation lands, what deletion and recount do to them."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from petitions import services
from petitions.models import Petition, PetitionCounter, Signature
from tests.petitions.conftest import make_petition, make_signature
from tests.waiting import wait_until


def shards(petition: Petition) -> dict[int, int]:
    rows = PetitionCounter.objects.filter(petition=petition).exclude(count=0)
    return dict(rows.values_list("shard", "count"))


def test_a_confirmation_counts_on_its_own_shard_and_a_deletion_takes_it_off_there(petition):
    first, second = make_signature(petition), make_signature(petition)
    assert services.confirm(first) and services.confirm(second)
    assert not services.confirm(Signature.objects.select_related("petition").get(pk=first.pk))
    home = first.pk % PetitionCounter.SHARDS, second.pk % PetitionCounter.SHARDS
    assert shards(petition) == {home[0]: 1, home[1]: 1}
    services.delete_signature(first.pk)
    assert shards(petition) == {home[1]: 1}
    assert Petition.objects.get(pk=petition.pk).signature_count == 1


def test_a_recount_puts_the_whole_count_on_shard_zero(petition):
    for _ in range(3):
        services.confirm(make_signature(petition))
    # A shard beyond SHARDS, as a larger setting would have left it, and a wrong one.
    PetitionCounter.objects.add(petition.pk, 5, shard=PetitionCounter.SHARDS + 3)
    PetitionCounter.objects.add(petition.pk, -9, shard=2)
    assert services.recount(petition) == 3
    assert shards(petition) == {0: 3}


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_waits_for_a_recount_even_on_a_shard_with_no_row_yet():
    petition = make_petition()
    signature = make_signature(petition)
    assert not PetitionCounter.objects.exists()
    locked, release = threading.Event(), threading.Event()

    def hold_every_shard() -> None:
        try:
            with transaction.atomic():
                PetitionCounter.objects.lock_all(petition.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    def confirm() -> None:
        try:
            services.confirm(signature)
        finally:
            connections.close_all()

    holder, confirmer = threading.Thread(target=hold_every_shard), threading.Thread(target=confirm)
    holder.start()
    assert locked.wait(30)
    confirmer.start()
    wait_until(lambda: lock_waiters() == 1, message="the confirmation to wait on its shard")
    assert confirmer.is_alive()
    release.set()
    holder.join(30)
    confirmer.join(30)
    assert Petition.objects.get(pk=petition.pk).signature_count == 1


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]
