"""Events fixtures: the campaign, an organizer, the high-risk list and an embassy.

The rows come from the make_* factories in tests/events/factories.py.
"""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from allout.models import Campaign, HighRiskCountry
from events.models import Embassy
from tests.events.factories import DAY, make_campaign, make_organizer


@pytest.fixture
def campaign(db) -> Campaign:
    # DAY explicitly: the tests' local times and UTC offsets (see PLACES) are worked out for it.
    return make_campaign(name="Day of action", date=DAY)


@pytest.fixture
def organizer(db):
    return make_organizer(email="organizer@example.org")


@pytest.fixture
def high_risk(db) -> None:
    # Seeded by a data migration; the fixture makes the tests' premise explicit.
    HighRiskCountry.objects.get_or_create(country="RU")
    HighRiskCountry.objects.get_or_create(country="BY")


@pytest.fixture
def embassy(db) -> Embassy:
    return Embassy.objects.create(
        name="Embassy of the Russian Federation in the United Kingdom",
        country="GB",
        city="London",
        address="6/7 Kensington Palace Gardens, London W8 4QP",
        point=Point(-0.190944, 51.507806, srid=4326),
    )
