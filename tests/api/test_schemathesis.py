"""schemathesis against the running API: whatever it generates from the schema (valid and
invalid parameters, made-up slugs), no answer is a server error and every answer matches
the schema (status, content type, body).

Examples are capped so the whole run stays well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.contrib.gis.geos import Point
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from events.models import Event
from tests.events.factories import make_campaign, make_event
from tests.petitions.conftest import make_petition, make_signature, make_target

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api_schema(live_server, settings):
    """The live schema, with rows like the demo's: events of both kinds, a hidden one, a
    petition with targets and signatures."""
    settings.RATELIMIT_ENABLED = False  # hypothesis asks faster than any partner may
    settings.SITE_URL = live_server.url
    campaign = make_campaign(slug="day-of-action")
    make_event(campaign=campaign, slug="london-vigil")
    make_event(campaign=campaign, slug="delhi-embassy", place="new-delhi", kind=Event.Kind.EMBASSY)
    make_event(
        campaign=campaign,
        slug="berlin-hidden",
        point=Point(13.3777, 52.5163, srid=4326),
        city="Berlin",
        country="DE",
        hide_exact_location=True,
    )
    petition = make_petition(slug="safe-passage", campaign=campaign)
    make_target(petition, position=1)
    make_signature(petition, confirmed=True)
    return schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# schemathesis' own pytest loader (from_fixture) reads a node attribute pytest 9 no longer
# has, so the test draws cases from the loaded schema's strategy itself.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_matches_the_schema_and_none_is_a_server_error(api_schema, mode):
    statuses: set[int] = set()

    @given(case=api_schema.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=100,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        statuses.add(case.call_and_validate(checks=CHECKS).status_code)

    check()
    # The premise: the cases reached real rows, made-up ones and (negative) bad parameters.
    expected = {200, 404} if mode == GenerationMode.POSITIVE else {400}
    assert expected <= statuses, statuses
