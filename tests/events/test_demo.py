from io import StringIO

import pytest

from allout.models import HighRiskCountry
from events import demo
from events.models import Embassy, Event, ModerationAction

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
