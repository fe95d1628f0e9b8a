from django.db.models import F
from django.utils import timezone

from petitions.models import Petition, PetitionStatus
from tests.petitions.conftest import make_petition


def test_a_petition_is_open_until_closed_or_past_its_deadline(db):
    now = timezone.now()
    assert make_petition().is_open()
    assert not make_petition(status=PetitionStatus.CLOSED).is_open()
    assert not make_petition(deadline=now).is_open(now)
    assert make_petition(deadline=now + timezone.timedelta(days=1)).is_open(now)


def test_progress_is_a_whole_percentage_capped_at_a_hundred(db):
    petition = make_petition(goal=300, signature_count=100)
    assert petition.progress_percent() == 33
    petition.signature_count = 450
    assert petition.progress_percent() == 100


def test_saving_a_stale_petition_never_overwrites_its_counter(db):
    petition = make_petition()
    stale = Petition.objects.get(pk=petition.pk)
    Petition.objects.filter(pk=petition.pk).update(signature_count=F("signature_count") + 7)
    stale.title = "A better title"
    stale.save()
    petition.refresh_from_db()
    assert (petition.title, petition.signature_count) == ("A better title", 7)
