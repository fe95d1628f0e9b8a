"""Many signers at once: the counter always equals the number of confirmed rows."""

from __future__ import annotations

import random

import pytest

from allout.addresses import canonical_email
from petitions import services
from petitions.models import Petition, PetitionCounter, Signature
from tests.concurrency import run_concurrently
from tests.petitions.conftest import make_petition

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6
SHARED = 12  # people every thread signs for, each thread spelling the address its own way
OWN = 4  # people only one thread signs for


def spellings(n: int) -> list[str]:
    """Ways to write the address of shared person `n` that all reach the same inbox."""
    return [
        f"person.{n}@gmail.com",
        f"Person{n}@GMAIL.com",
        f"person{n}+petition@googlemail.com",
        f"p.e.r.s.o.n{n}@gmail.com",
        f"PERSON.{n}+x@gmail.com",
        f"person{n}@googlemail.com",
    ]


def sign(petition: Petition, email: str) -> Signature:
    return services.sign(petition, first_name="Sam", last_name="Doe", email=email, country="DE")


def test_concurrent_signing_and_confirming_counts_each_person_once():
    petition = make_petition()

    def sign_and_confirm(thread: int) -> None:
        rng = random.Random(thread)
        emails = [spellings(n)[thread] for n in range(SHARED)]
        emails += [f"own-{thread}-{n}@example.org" for n in range(OWN)]
        rng.shuffle(emails)
        for email in emails:
            sign(petition, email)  # a repeat of another spelling is left to the worker
            signature = Signature.objects.select_related("petition").get(
                petition=petition, email_normalized=canonical_email(email)
            )
            services.confirm(signature)

    run_concurrently(sign_and_confirm, [(n,) for n in range(THREADS)])

    petition.refresh_from_db()
    confirmed = Signature.objects.confirmed().filter(petition=petition).count()
    assert Signature.objects.filter(petition=petition).count() == SHARED + THREADS * OWN
    assert confirmed == SHARED + THREADS * OWN
    assert petition.signature_count == confirmed


def test_concurrent_confirming_and_deleting_keep_the_counter_equal_to_the_rows():
    petition = make_petition()
    signatures = [sign(petition, f"signer{n}@example.org") for n in range(40)]
    pks = [signature.pk for signature in signatures]

    def confirm_or_delete(thread: int) -> None:
        rng = random.Random(100 + thread)
        order = pks[:]
        rng.shuffle(order)
        for pk in order:
            if rng.random() < 0.2:
                services.delete_signature(pk)
                continue
            signature = Signature.objects.select_related("petition").filter(pk=pk).first()
            if signature is not None:
                services.confirm(signature)
        # And one bulk delete per thread, overlapping the others'.
        services.delete_signatures(Signature.objects.filter(pk__in=order[:3]))

    run_concurrently(confirm_or_delete, [(n,) for n in range(THREADS)])

    petition.refresh_from_db()
    confirmed = Signature.objects.confirmed().filter(petition=petition).count()
    assert 0 < confirmed < 40  # some deleted, the rest confirmed
    assert petition.signature_count == confirmed


def test_double_confirmations_deletions_and_a_recount_at_once_keep_the_shards_exact():
    petition = make_petition()
    pks = [sign(petition, f"racer{n}@example.org").pk for n in range(60)]

    def race(thread: int) -> None:
        rng = random.Random(200 + thread)
        order = pks[:]
        rng.shuffle(order)
        for step, pk in enumerate(order):
            if thread == 0 and step == len(order) // 2:
                services.recount(Petition.objects.get(pk=petition.pk))
            if rng.random() < 0.1:
                services.delete_signatures(Signature.objects.filter(pk__in=[pk, rng.choice(pks)]))
                continue
            # Every thread confirms every signature still there: all but one are repeats.
            signature = Signature.objects.select_related("petition").filter(pk=pk).first()
            if signature is not None:
                services.confirm(signature)

    run_concurrently(race, [(n,) for n in range(8)])

    confirmed = Signature.objects.confirmed().filter(petition=petition).count()
    shards = PetitionCounter.objects.filter(petition=petition)
    assert 0 < confirmed < 60
    assert sum(shards.values_list("count", flat=True)) == confirmed
    assert Petition.objects.with_signature_count().get(pk=petition.pk).signature_count == confirmed
