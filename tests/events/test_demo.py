import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from allout.models import HighRiskCountry
from events import demo
from events.models import Embassy, Event, ModerationAction
from events.services import moderation
from petitions.models import Petition, PetitionStatus

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_map_and_the_queue_and_loads_twice_without_duplicates():
    demo.load(StringIO())
    counts = (Event.objects.count(), Embassy.objects.count(), ModerationAction.objects.count())
    demo.load(StringIO())
    assert (
        Event.objects.count(),
        Embassy.objects.count(),
        ModerationAction.objects.count(),
    ) == counts

    assert Event.objects.approved().count() >= 40
    assert Event.objects.pending().count() == 3
    assert Embassy.objects.count() >= 30
    assert {str(row.country) for row in HighRiskCountry.objects.all()} == {"RU", "BY"}
    cities = set(Event.objects.approved().values_list("city", flat=True))
    assert {"São Paulo", "London", "New York", "Bengaluru", "Berlin", "Tokyo"} <= cities
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert kinds == {Event.Kind.EMBASSY, Event.Kind.PUBLIC_PLACE}
    assert Event.objects.filter(hide_exact_location=True).exists()
    for event in Event.objects.all():
        assert event.local_starts_at().date() == event.campaign.date, event.slug
        assert event.public_point is not None and event.timezone


def test_a_second_load_leaves_the_demo_as_staff_left_it(staff_user):
    call_command("load_demo", stdout=StringIO())
    rejected = Event.objects.approved().get(slug="london-trafalgar")
    moderation.reject_event(rejected, staff_user, "Clashes with another event.")
    approved = Event.objects.pending().order_by("pk").first()
    moderation.approve_event(approved, staff_user)
    embassy = Embassy.objects.get(city="London")
    Embassy.objects.filter(pk=embassy.pk).update(is_active=False, address="Moved")
    petition = Petition.objects.get()
    petition.status = PetitionStatus.CLOSED
    petition.save()
    petition.targets.filter(position=1).update(name="EU foreign ministries")

    call_command("load_demo", stdout=StringIO())
    assert Event.objects.get(pk=rejected.pk).status == Event.Status.REJECTED
    assert Event.objects.get(pk=approved.pk).status == Event.Status.APPROVED
    assert Embassy.objects.filter(pk=embassy.pk, is_active=False, address="Moved").exists()
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.CLOSED
    assert petition.targets.get(position=1).name == "EU foreign ministries"


def test_after_the_day_a_load_moves_the_demo_events_to_next_years_campaign():
    with time_machine.travel(datetime.datetime(2030, 1, 10, 12, tzinfo=datetime.UTC)):
        demo.load(StringIO())
    Event.objects.filter(slug="london-trafalgar").update(status=Event.Status.REJECTED)
    with time_machine.travel(datetime.datetime(2030, 4, 1, 12, tzinfo=datetime.UTC)):
        demo.load(StringIO())
    assert {event.campaign.date for event in Event.objects.all()} == {datetime.date(2031, 3, 16)}
    for event in Event.objects.all():
        assert event.local_starts_at().date() == datetime.date(2031, 3, 16), event.slug
    assert Event.objects.get(slug="london-trafalgar").status == Event.Status.REJECTED
