import datetime
import html as htmllib
import json
import re

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from events.models import Event
from tests.events.factories import make_campaign, make_event

pytestmark = pytest.mark.django_db


def map_points(html: str) -> list[list]:
    found = re.search(r'data-map-points="([^"]*)"', html)
    assert found is not None, "the page has a map"
    raw = found.group(1)
    return json.loads(htmllib.unescape(raw))


@pytest.fixture
def past_campaign():
    day = timezone.localdate() - datetime.timedelta(days=2)
    campaign = make_campaign(name="Day of action", date=day)
    start = timezone.now() - datetime.timedelta(days=2)

    def event(**kwargs):
        kwargs.setdefault("starts_at", start)
        return make_event(campaign=campaign, **kwargs)

    event(city="London", turnout=120)
    event(city="london ", turnout=30, point=Point(-0.09, 51.51, srid=4326))
    event(city="Berlin", country="DE", point=Point(13.40, 52.52, srid=4326))  # no outcome
    event(
        city="Lisbon",
        country="PT",
        point=Point(-9.1365, 38.7078, srid=4326),
        hide_exact_location=True,
        turnout=12,
    )
    event(city="Paris", country="FR", status=Event.Status.CANCELLED, turnout=99)
    event(city="Madrid", country="ES", status=Event.Status.REJECTED)
    another_campaign = make_campaign(date=day)
    make_event(campaign=another_campaign, city="Elsewhere", starts_at=start)
    return campaign


def test_before_the_day_the_recap_says_it_is_coming(client):
    make_campaign(date=timezone.localdate() + datetime.timedelta(days=10))
    response = client.get("/events/recap/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The recap appears here after the day of action" in html
    assert "data-map-points" not in html


def test_the_recap_works_before_any_campaign_exists(client):
    assert client.get("/events/recap/").status_code == 200


def test_after_the_day_the_recap_lists_each_city_once_with_reported_turnout(client, past_campaign):
    html = client.get("/events/recap/").content.decode()
    assert "People stood up in 3 cities" in html
    assert (
        "<strong>London</strong>, United Kingdom:\n        2 events,\n        150 people came"
        in (html)
    )
    assert "<strong>Berlin</strong>, Germany:\n        1 event</li>" in html
    for absent in ("Paris", "Madrid", "Elsewhere"):
        assert absent not in html
    assert "<strong>162</strong> people counted by organizers" in html


def test_the_recap_map_never_pins_a_hidden_meeting_point(client, past_campaign):
    html = client.get("/events/recap/").content.decode()
    lisbon = Event.objects.get(city="Lisbon")
    points = {p[2]: (p[0], p[1]) for p in map_points(html)}
    assert set(points) == {"Berlin, Germany", "Lisbon, Portugal", "London, United Kingdom"}
    assert points["Lisbon, Portugal"] == (lisbon.public_point.y, lisbon.public_point.x)
    assert points["Lisbon, Portugal"] != (lisbon.point.y, lisbon.point.x)


def test_the_recap_map_uses_served_scripts_and_the_tile_setting(client, past_campaign, settings):
    settings.MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = client.get("/events/recap/").content.decode()
    assert 'src="/static/leaflet/leaflet.js"' in html
    assert 'src="/static/js/participation-map.js"' in html
    assert 'data-tiles-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert "<script>" not in html and " style=" not in html


def test_the_home_page_shows_the_recap_after_the_day_only(
    client, past_campaign, django_capture_on_commit_callbacks
):
    html = client.get("/").content.decode()
    assert "People stood up in 3 cities" in html
    with django_capture_on_commit_callbacks(execute=True):  # the cached page is dropped then
        past_campaign.date = timezone.localdate() + datetime.timedelta(days=1)
        past_campaign.save()
    assert "People stood up" not in client.get("/").content.decode()


def test_the_recap_runs_a_fixed_number_of_queries(client, past_campaign, django_assert_num_queries):
    # The current campaign (none upcoming, then the latest), then its events.
    with django_assert_num_queries(3):
        client.get("/events/recap/")
