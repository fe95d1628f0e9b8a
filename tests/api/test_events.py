"""/api/v1/events/: approved upcoming events with OSDI field names, their filters and pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from events.finder import queries
from events.models import Event
from tests.events.factories import DAY, PLACES, local, make_campaign, make_event

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"


def test_an_event_reads_with_osdi_field_names_and_links(api, campaign, settings):
    event = make_event(
        campaign=campaign, title="Vigil", slug="london-vigil", kind=Event.Kind.PUBLIC_PLACE
    )
    status, body = api(EVENTS)
    assert status == 200
    assert {key: body[key] for key in ("total_pages", "per_page", "page", "total_records")} == {
        "total_pages": 1,
        "per_page": 25,
        "page": 1,
        "total_records": 1,
    }
    [item] = body["_embedded"]["osdi:events"]
    assert item["identifiers"] == ["allout:london-vigil"]
    assert item["title"] == "Vigil"
    assert "<strong>queer Russians</strong>" in item["description"]
    assert item["start_date"] == "2099-03-16T14:00:00+00:00"  # London, GMT on DAY
    assert item["end_date"] == "2099-03-16T16:00:00+00:00"
    assert item["time_zone"] == "Europe/London"
    assert item["status"] == "confirmed"
    assert item["kind"] == "public"
    assert item["total_accepted"] == 0
    assert item["browser_url"] == f"{settings.SITE_URL}/events/london-vigil/"
    assert item["distance_km"] is None
    assert item["location"] == {
        "venue": "By the fountain",
        "address_lines": ["1 Main Square"],
        "locality": "London",
        "region": None,
        "country": "GB",
        "location": {
            "latitude": round(PLACES["london"]["lat"], 5),
            "longitude": round(PLACES["london"]["lng"], 5),
            "accuracy": "Rooftop",
        },
    }
    assert item["_links"] == {
        "self": {"href": f"{settings.SITE_URL}/api/v1/events/london-vigil/"},
        "osdi:campaign": {"href": f"{settings.SITE_URL}/api/v1/campaigns/{campaign.slug}/"},
    }
    status, detail = api(f"/api/v1/events/{event.slug}/")
    assert status == 200
    assert detail == item


def test_only_approved_upcoming_events_outside_high_risk_countries_are_listed(
    api, campaign, high_risk
):
    listed = make_event(campaign=campaign, slug="listed")
    absent = [
        make_event(campaign=campaign, slug="pending", status=Event.Status.PENDING),
        make_event(campaign=campaign, slug="rejected", status=Event.Status.REJECTED),
        make_event(campaign=campaign, slug="cancelled", status=Event.Status.CANCELLED),
        make_event(campaign=campaign, slug="moscow", place="moscow"),
        make_event(
            campaign=campaign,
            slug="past",
            starts_at=timezone.now() - datetime.timedelta(hours=3),
            ends_at=timezone.now() - datetime.timedelta(hours=1),
        ),
    ]
    _, body = api(EVENTS)
    assert [item["identifiers"] for item in body["_embedded"]["osdi:events"]] == [
        [f"allout:{listed.slug}"]
    ]
    assert body["total_records"] == 1
    _, near = api(EVENTS, near="55.7558,37.6173")  # nearest Moscow: London, and only it
    assert [item["identifiers"][0] for item in near["_embedded"]["osdi:events"]] == [
        "allout:listed"
    ]
    for event in absent:
        status, error = api(f"/api/v1/events/{event.slug}/")
        assert (status, error) == (404, {"error": "Nothing at this address."})


def test_filters_by_country_kind_campaign_and_local_day(api, campaign):
    other_campaign = make_campaign(slug="another-day", date=DAY + datetime.timedelta(days=1))
    make_event(campaign=campaign, slug="london", place="london")
    make_event(campaign=campaign, slug="delhi", place="new-delhi", kind=Event.Kind.EMBASSY)
    make_event(campaign=other_campaign, slug="ny-next-day", place="new-york")
    # 23:30 in New York on DAY is already the next day in UTC: the local day counts.
    late = local(DAY, "23:30", "America/New_York")
    make_event(campaign=campaign, slug="ny-late", place="new-york", starts_at=late)

    def slugs(**query) -> list[str]:
        status, body = api(EVENTS, **query)
        assert status == 200, body
        return [item["identifiers"][0].removeprefix("allout:") for item in
                body["_embedded"]["osdi:events"]]  # fmt: skip

    assert slugs(country="IN") == ["delhi"]
    assert slugs(kind="embassy") == ["delhi"]
    assert slugs(kind="public", country="GB") == ["london"]
    assert slugs(campaign="another-day") == ["ny-next-day"]
    assert slugs(campaign="no-such-campaign") == []
    assert sorted(slugs(date=DAY.isoformat())) == ["delhi", "london", "ny-late"]
    next_day = (DAY + datetime.timedelta(days=1)).isoformat()
    assert slugs(date=next_day) == ["ny-next-day"]
    assert slugs(**{"from": next_day}) == ["ny-next-day"]
    assert sorted(slugs(to=DAY.isoformat())) == ["delhi", "london", "ny-late"]
    assert slugs(**{"from": next_day, "to": DAY.isoformat()}) == []


def test_near_lists_nearest_first_by_the_finders_knn_cut_at_the_radius(api, campaign):
    for place in ("london", "new-york", "sao-paulo", "new-delhi"):
        make_event(campaign=campaign, slug=place, place=place)
    paris = (48.8566, 2.3522)
    _, body = api(EVENTS, near=f"{paris[0]},{paris[1]}")
    items = body["_embedded"]["osdi:events"]
    expected = queries.nearby(lat=paris[0], lng=paris[1], limit=10)  # nearby.json's answer
    assert [item["identifiers"][0] for item in items] == [f"allout:{row.slug}" for row in expected]
    assert [item["distance_km"] for item in items] == [
        round(row.distance_m / 1000, 2) for row in expected
    ]
    assert 340 < items[0]["distance_km"] < 345  # Paris to London
    _, within = api(EVENTS, near=f"{paris[0]},{paris[1]}", radius="500")
    assert within["total_records"] == 1
    assert [item["identifiers"][0] for item in within["_embedded"]["osdi:events"]] == [
        "allout:london"
    ]


def test_pages_carry_osdi_totals_and_next_and_prev_links(api, campaign, settings):
    for number in range(5):
        make_event(
            campaign=campaign,
            slug=f"event-at-{number}",
            starts_at=local(DAY, f"1{number}:00", "Europe/London"),
        )
    _, first = api(EVENTS, per_page="2", country="GB")
    assert (first["total_pages"], first["total_records"], first["page"]) == (3, 5, 1)
    assert "prev" not in first["_links"]
    base = f"{settings.SITE_URL}/api/v1/events/"
    assert first["_links"]["next"] == {"href": f"{base}?country=GB&page=2&per_page=2"}
    _, last = api(EVENTS, per_page="2", country="GB", page="3")
    assert [item["identifiers"][0] for item in last["_embedded"]["osdi:events"]] == [
        "allout:event-at-4"
    ]
    assert "next" not in last["_links"]
    assert last["_links"]["prev"] == {"href": f"{base}?country=GB&page=2&per_page=2"}
    _, beyond = api(EVENTS, page="9")
    assert beyond["_embedded"]["osdi:events"] == [] and beyond["total_records"] == 5


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"country": "Germany"}, "country"),
        ({"country": "XX"}, "country"),
        ({"date": "16/03/2099"}, "date"),
        ({"from": "tomorrow"}, "from"),
        ({"to": "2099-02-30"}, "to"),
        ({"kind": "march"}, "kind"),
        ({"campaign": "no spaces"}, "campaign"),
        ({"near": "52.5"}, "near"),
        ({"near": "91,0"}, "near"),
        ({"near": "0,181"}, "near"),
        ({"near": "nan,nan"}, "near"),
        ({"near": "52.5,13.4", "radius": "0"}, "radius"),
        ({"near": "52.5,13.4", "radius": "501"}, "radius"),
        ({"near": "52.5,13.4", "radius": "inf"}, "radius"),
        ({"radius": "10"}, "radius"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "100001"}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "-1"}, "per_page"),
    ],
)
def test_a_bad_parameter_gets_a_400_naming_it(api, query, parameter):
    status, body = api(EVENTS, **query)
    assert status == 400
    assert body["parameter"] == parameter
    assert parameter.split("_")[0] in body["error"]


def test_the_errors_speak_the_requests_language(client):
    response = client.get(EVENTS, {"kind": "march"}, headers={"accept-language": "de"})
    assert response.status_code == 400
    assert response.json()["error"] != "kind must be embassy or public."
    assert response["Content-Language"] == "de"
