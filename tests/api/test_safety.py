"""SPEC's safety rules on the read API: what a stranger with a script can learn from it.

Each test reads every resource the API has (the entry point, each list with and without
near, each detail) and looks for what must never leave the server.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point

from events.models import Attendance, Event
from tests.events.factories import make_attendance, make_event
from tests.petitions.conftest import make_petition, make_signature

pytestmark = pytest.mark.django_db

# A meeting point the organizer hides: on the public pages only its city and an
# approximate point (events.geo) appear.
EXACT = (52.516275, 13.377704)  # lat, lng
# Where a stranger searches from: a few metres off (the answers' links repeat it).
NEAR = "52.5163,13.3777"


def every_response(client, event_slug: str, petition_slug: str) -> str:
    """Every API answer a stranger can get about these rows, as one text."""
    near = NEAR
    paths = [
        ("/api/v1/", {}),
        ("/api/v1/events/", {}),
        ("/api/v1/events/", {"near": near}),
        ("/api/v1/events/", {"near": near, "radius": "1"}),
        ("/api/v1/events/", {"country": "DE"}),
        (f"/api/v1/events/{event_slug}/", {}),
        ("/api/v1/petitions/", {}),
        (f"/api/v1/petitions/{petition_slug}/", {}),
        ("/api/v1/campaigns/", {}),
        ("/api/v1/schema/", {}),
    ]
    texts = []
    for path, query in paths:
        response = client.get(path, query)
        assert response.status_code == 200, (path, query)
        texts.append(response.content.decode())
    return "\n".join(texts)


@pytest.fixture
def hidden_event(campaign) -> Event:
    return make_event(
        campaign=campaign,
        slug="berlin-hidden",
        point=Point(EXACT[1], EXACT[0], srid=4326),
        city="Berlin",
        country="DE",
        meeting_point="Behind the third pillar of the Brandenburg Gate",
        address="Pariser Platz 1, 10117 Berlin",
        hide_exact_location=True,
    )


def coordinates(value) -> list[tuple[float, float]]:
    """Every (latitude, longitude) pair anywhere in a decoded JSON answer."""
    if isinstance(value, list):
        return [pair for item in value for pair in coordinates(item)]
    if not isinstance(value, dict):
        return []
    found = [pair for item in value.values() for pair in coordinates(item)]
    if "latitude" in value and "longitude" in value:
        found.append((value["latitude"], value["longitude"]))
    return found


def metres_from_exact(lat: float, lng: float) -> float:
    here, exact = Point(lng, lat, srid=4326), Point(EXACT[1], EXACT[0], srid=4326)
    return here.transform(3035, clone=True).distance(exact.transform(3035, clone=True))


def test_a_hidden_events_exact_point_and_address_are_in_no_answer(client, hidden_event):
    petition = make_petition()
    text = every_response(client, hidden_event.slug, petition.slug)
    assert str(EXACT[0]) not in text and str(EXACT[1]) not in text
    pairs = [
        pair
        for answer in text.split("\n")
        if answer.startswith("{")
        for pair in coordinates(json.loads(answer))
    ]
    assert pairs  # the premise: the answers hold the event's (public) point
    assert min(metres_from_exact(*pair) for pair in pairs) >= 250
    assert "third pillar" not in text and "Pariser Platz" not in text
    detail = json.loads(client.get(f"/api/v1/events/{hidden_event.slug}/").content)
    where = detail["location"]
    assert (where["venue"], where["address_lines"], where["locality"]) == ("", [], "Berlin")
    public = hidden_event.public_point
    assert where["location"] == {
        "latitude": round(public.y, 5),
        "longitude": round(public.x, 5),
        "accuracy": "Approximate",
    }
    assert not public.equals_exact(hidden_event.point, 1e-4)  # the premise: it is moved
    # Distances are measured to the public point too, so no circle of them closes in.
    near = json.loads(client.get("/api/v1/events/", {"near": NEAR}).content)
    distance_km = near["_embedded"]["osdi:events"][0]["distance_km"]
    assert 0.3 <= distance_km <= 1.0


def test_no_participant_signer_or_organizer_account_is_in_any_answer(client, hidden_event):
    make_attendance(
        hidden_event,
        first_name="Zinaida",
        email="zinaida.participant@example.org",
        status=Attendance.Status.CONFIRMED,
    )
    make_attendance(hidden_event, first_name="Yevgeny", email="yevgeny.waiting@example.org")
    petition = make_petition()
    make_signature(
        petition,
        first_name="Xenia",
        last_name="Signerova",
        email="xenia.signer@example.org",
        postcode="10115",
        confirmed=True,
        show_publicly=True,
    )
    text = every_response(client, hidden_event.slug, petition.slug)
    for private in (
        "Zinaida", "zinaida.participant", "Yevgeny", "yevgeny.waiting", "Xenia", "Signerova",
        "xenia.signer", "10115", hidden_event.organizer.email, "@example.org",
    ):  # fmt: skip
        assert private not in text, private
    # The counts are there: one confirmed participant (the unconfirmed one is not counted).
    detail = json.loads(client.get(f"/api/v1/events/{hidden_event.slug}/").content)
    assert detail["total_accepted"] == 1
    petition_body = json.loads(client.get(f"/api/v1/petitions/{petition.slug}/").content)
    assert petition_body["total_signatures"] == 1
