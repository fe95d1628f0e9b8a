"""/api/v1/petitions/ and /api/v1/campaigns/: the petition's page facts and its count."""

from __future__ import annotations

import pytest

from petitions.models import PetitionStatus
from tests.petitions.conftest import make_petition, make_signature, make_target

pytestmark = pytest.mark.django_db


def test_a_petition_reads_with_its_ordered_targets_and_confirmed_count(api, campaign, settings):
    petition = make_petition(slug="safe-passage", title="Safe passage", goal=500, campaign=campaign)
    make_target(petition, name="Second", title="Commissioner", organization="EU", position=2)
    make_target(petition, name="First", title="High Commissioner", organization="UN", position=1)
    make_signature(petition, confirmed=True)
    make_signature(petition, confirmed=True)
    make_signature(petition)  # unconfirmed: not counted
    status, body = api("/api/v1/petitions/safe-passage/")
    assert status == 200
    assert body["identifiers"] == ["allout:safe-passage"]
    assert (body["title"], body["goal"], body["total_signatures"]) == ("Safe passage", 500, 2)
    assert body["summary"] == petition.summary
    assert "<strong>open safe passage</strong>" in body["petition_text"]
    assert body["target"] == [
        {"name": "First", "title": "High Commissioner", "organization": "UN"},
        {"name": "Second", "title": "Commissioner", "organization": "EU"},
    ]
    assert body["status"] == "open"
    assert body["browser_url"] == f"{settings.SITE_URL}/petitions/safe-passage/"
    assert body["_links"] == {
        "self": {"href": f"{settings.SITE_URL}/api/v1/petitions/safe-passage/"},
        "osdi:campaign": {"href": f"{settings.SITE_URL}/api/v1/campaigns/{campaign.slug}/"},
    }
    _, listed = api("/api/v1/petitions/")
    assert listed["_embedded"]["osdi:petitions"] == [body]


def test_closed_petitions_are_listed_as_closed_and_without_a_campaign_link(api):
    make_petition(slug="closed-one", status=PetitionStatus.CLOSED)
    _, body = api("/api/v1/petitions/closed-one/")
    assert body["status"] == "closed"
    assert list(body["_links"]) == ["self"]


def test_campaigns_list_the_latest_day_first(api, campaign, settings):
    status, body = api("/api/v1/campaigns/")
    assert status == 200
    [item] = body["_embedded"]["osdi:campaigns"]
    assert item == {
        "identifiers": [f"allout:{campaign.slug}"],
        "title": "Day of action",
        "description": "",
        "date": "2099-03-16",
        "_links": {
            "self": {"href": f"{settings.SITE_URL}/api/v1/campaigns/{campaign.slug}/"},
            "osdi:events": {"href": f"{settings.SITE_URL}/api/v1/events/?campaign={campaign.slug}"},
        },
    }


def test_the_entry_point_links_every_collection(api, settings):
    status, body = api("/api/v1/")
    assert status == 200
    assert body["_links"]["osdi:events"] == {"href": f"{settings.SITE_URL}/api/v1/events/"}
    assert body["_links"]["schema"] == {"href": f"{settings.SITE_URL}/api/v1/schema/"}
    assert body["_links"]["docs"] == {"href": f"{settings.SITE_URL}/api/v1/docs/"}
