from django.utils import timezone

from petitions.models import Petition, PetitionCounter, PetitionStatus
from tests.petitions.conftest import make_petition


def test_a_petition_is_open_until_closed_or_past_its_deadline(db):
    now = timezone.now()
    assert make_petition().is_open()
    assert not make_petition(status=PetitionStatus.CLOSED).is_open()
    assert not make_petition(deadline=now).is_open(now)
    assert make_petition(deadline=now + timezone.timedelta(days=1)).is_open(now)


def test_progress_is_a_whole_percentage_capped_at_a_hundred(db):
    petition = make_petition(goal=300)
    petition.signature_count = 100
    assert petition.progress_percent() == 33
    petition.signature_count = 450
    assert petition.progress_percent() == 100


def test_saving_a_stale_petition_never_overwrites_its_counter(db):
    petition = make_petition()
    stale = Petition.objects.with_signature_count().get(pk=petition.pk)
    PetitionCounter.objects.add(petition.pk, 7, shard=3)
    stale.title = "A better title"
    stale.save()
    petition.refresh_from_db()
    assert (petition.title, petition.signature_count) == ("A better title", 7)


def test_the_count_is_the_sum_of_the_shards_however_it_is_read(db):
    petition, other = make_petition(), make_petition()
    PetitionCounter.objects.add(petition.pk, 5, shard=0)
    PetitionCounter.objects.add(petition.pk, 3, shard=7)
    PetitionCounter.objects.add(petition.pk, -1, shard=7)
    PetitionCounter.objects.add(other.pk, 2, shard=7)
    annotated = Petition.objects.with_signature_count().get(pk=petition.pk)
    assert annotated.signature_count == Petition.objects.get(pk=petition.pk).signature_count == 7
    assert PetitionCounter.objects.filter(petition=petition).count() == 2
    assert Petition.objects.with_signature_count().get(pk=make_petition().pk).signature_count == 0


def test_a_list_of_petitions_reads_every_count_in_one_query(db, django_assert_num_queries):
    for number in range(3):
        PetitionCounter.objects.add(make_petition().pk, number, shard=number)
    with django_assert_num_queries(1):
        counts = sorted(p.signature_count for p in Petition.objects.with_signature_count())
    assert counts == [0, 1, 2]
