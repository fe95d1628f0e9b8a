"""The map partner sites frame (/events/embed/map/): the events of a country or campaign on
the clustered map and in a short list, public places only, and the one events page any site
may frame. And what the finder offers partners and calendars."""

from __future__ import annotations

import html
import json
import re

import pytest

from events.models import Event
from events.views.partners import EMBED_LIST_LENGTH
from tests.events.factories import make_attendance, make_campaign, make_event

pytestmark = pytest.mark.django_db


def page(client, query: str = "") -> str:
    response = client.get(f"/events/embed/map/{query}")
    assert response.status_code == 200
    return response.content.decode()


def first_group(pattern: str, text: str) -> str:
    found = re.search(pattern, text, re.S)
    assert found, f"nothing matches {pattern}"
    return found[1]


def listed_links(text: str) -> list[str]:
    """The list's links to event pages, each asserted to open in a tab of its own."""
    links = re.findall(r'<h3 class="finder-item-title"><a ([^>]*)>', text)
    for attributes in links:
        assert 'target="_blank"' in attributes and 'rel="noopener"' in attributes
    return [first_group(r'href="([^"]+)"', attributes) for attributes in links]


def test_the_embedded_map_may_be_framed_by_any_site_and_keeps_its_strict_policy(client, db):
    response = client.get("/events/embed/map/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert re.findall(r"<script(?![^>]*\bsrc=)", response.content.decode()) == []


def test_no_other_events_page_may_be_framed(client, campaign, organizer):
    event = make_event(campaign=campaign, organizer=organizer)
    paths = [
        "/events/",
        "/events/?q=France",
        event.get_absolute_url(),
        f"/events/{event.slug}/calendar.ics",
        "/events/calendar.ics",
        "/events/map.geojson",
        "/events/nearby.json?lat=51.5&lng=-0.1",
        "/events/recap/",
        "/",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], path


def test_the_list_links_to_the_event_pages_by_absolute_url_in_a_new_tab(
    client, campaign, organizer
):
    london = make_event(campaign=campaign, organizer=organizer, place="london", title="London")
    delhi = make_event(campaign=campaign, organizer=organizer, place="new-delhi", title="Delhi")
    text = page(client)
    # By start time: 14:00 in New Delhi comes hours before 14:00 in London.
    assert listed_links(text) == [
        f"http://127.0.0.1:8000/events/{delhi.slug}/",
        f"http://127.0.0.1:8000/events/{london.slug}/",
    ]
    assert "2 upcoming events" in text
    assert '<base target="_blank">' in text
    assert 'class="site-header"' not in text  # no navigation inside a frame
    assert 'data-embed="events-map"' in text
    assert '<script src="/static/js/embed.js" defer></script>' in text


def test_the_list_is_short_and_the_map_and_the_finder_hold_the_rest(client, campaign, organizer):
    for _ in range(EMBED_LIST_LENGTH + 2):
        make_event(campaign=campaign, organizer=organizer)
    text = page(client)
    assert len(listed_links(text)) == EMBED_LIST_LENGTH
    assert f"{EMBED_LIST_LENGTH + 2} upcoming events" in text
    assert 'href="http://127.0.0.1:8000/events/" target="_blank"' in text


def test_a_country_shows_its_events_on_the_map_and_in_the_list(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, place="london")
    new_york = make_event(campaign=campaign, organizer=organizer, place="new-york")
    text = page(client, "?country=us")
    assert listed_links(text) == [f"http://127.0.0.1:8000/events/{new_york.slug}/"]
    assert "Protests in United States of America" in text
    geojson_url = html.unescape(first_group(r'data-geojson-url="([^"]+)"', text))
    assert geojson_url == "/events/map.geojson?country=US"
    features = json.loads(client.get(geojson_url).content)["features"]
    assert [feature["properties"]["u"] for feature in features] == [f"/events/{new_york.slug}/"]


def test_a_campaign_shows_its_events_only(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer)
    other = make_campaign(slug="next-day")
    theirs = make_event(campaign=other, organizer=organizer)
    text = page(client, "?campaign=next-day")
    assert listed_links(text) == [f"http://127.0.0.1:8000/events/{theirs.slug}/"]
    assert 'data-geojson-url="/events/map.geojson?campaign=next-day"' in text


@pytest.mark.parametrize(
    "path",
    [
        "/events/embed/map/?country=XX",
        "/events/embed/map/?country=Germany",
        "/events/embed/map/?campaign=nope",
        "/events/map.geojson?country=XX",
    ],
)
def test_a_wrong_country_or_campaign_is_a_400(client, db, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"must be" in response.content


def test_a_hidden_event_is_approximate_and_no_participant_shows(client, campaign, organizer):
    event = make_event(
        campaign=campaign,
        organizer=organizer,
        hide_exact_location=True,
        meeting_point="Behind the blue kiosk",
        address="12 Hidden Lane",
    )
    make_attendance(event, first_name="Masha", email="masha@example.org", status="confirmed")
    text = page(client)
    geojson = client.get("/events/map.geojson?country=GB").content.decode()
    for shown in (text, geojson):
        assert "Behind the blue kiosk" not in shown and "12 Hidden Lane" not in shown
        assert "Masha" not in shown and "masha@example.org" not in shown
        assert f"{event.point.y:.4f}" not in shown and f"{event.point.x:.4f}" not in shown
    assert "London, United Kingdom" in text
    (feature,) = json.loads(geojson)["features"]
    assert feature["geometry"]["coordinates"] == [
        round(event.approximate_point.x, 5),
        round(event.approximate_point.y, 5),
    ]


def test_unapproved_and_high_risk_events_are_not_shown(client, campaign, organizer, high_risk):
    make_event(campaign=campaign, organizer=organizer, status=Event.Status.PENDING)
    make_event(campaign=campaign, organizer=organizer, place="moscow")
    assert listed_links(page(client)) == []
    assert listed_links(page(client, "?country=RU")) == []


def test_the_finder_offers_the_calendar_feed_and_the_maps_code(client, settings, campaign):
    settings.SITE_URL = "https://allout.example"
    text = client.get("/events/").content.decode()
    assert 'href="webcal://allout.example/events/calendar.ics">Subscribe to calendar</a>' in text
    assert "https://allout.example/events/calendar.ics" in text
    code = html.unescape(
        first_group(r'<textarea id="embed-map-snippet"[^>]*>(.*?)</textarea>', text)
    )
    assert '<iframe src="https://allout.example/events/embed/map/"' in code
    assert '<script src="https://allout.example/static/js/embed-resize.js"></script>' in code


def test_a_country_search_offers_that_countrys_feed_and_map(client, settings, campaign):
    settings.SITE_URL = "https://allout.example"
    text = client.get("/events/?q=France").content.decode()
    assert 'href="webcal://allout.example/events/calendar.ics?country=FR"' in text
    assert "Subscribe to the events in France" in text
    assert "https://allout.example/events/calendar.ics?country=FR" in text
    assert 'src="https://allout.example/events/embed/map/?country=FR"' in html.unescape(text)


def test_the_finder_in_russian_offers_the_russian_feed_and_a_map_in_each_visitors_language(
    client, settings, campaign
):
    settings.SITE_URL = "https://allout.example"
    text = html.unescape(client.get("/ru/events/").content.decode())
    assert 'href="webcal://allout.example/ru/events/calendar.ics"' in text
    assert '<iframe src="https://allout.example/events/embed/map/"' in text
