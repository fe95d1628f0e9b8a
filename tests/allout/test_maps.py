"""Every map on the site: tiles from one setting, made by one script (static/js/maps.js)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from events import attendance_links as links
from tests.events.factories import (
    make_attendance,
    make_campaign,
    make_event,
    make_organizer,
)

pytestmark = pytest.mark.django_db

TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
ATTRIBUTION = '&copy; <a href="https://example.org/">Example</a>'


def _past_event() -> None:
    yesterday = timezone.now() - datetime.timedelta(days=1)
    make_event(campaign=make_campaign(date=yesterday.date()), starts_at=yesterday)


def home_before_the_day(client: Client) -> str:
    make_event()
    return "/"


def home_after_the_day(client: Client) -> str:
    _past_event()
    return "/"


def finder(client: Client) -> str:
    make_event()
    return "/events/"


def event_page(client: Client) -> str:
    return make_event().get_absolute_url()


def event_form(client: Client) -> str:
    make_campaign()
    client.force_login(make_organizer())
    return "/events/new/"


def participant_page(client: Client) -> str:
    return links.path(make_attendance(make_event()), links.Purpose.VIEW)


def recap(client: Client) -> str:
    _past_event()
    return "/events/recap/"


# Each page with a map, and the script of its own that draws on it.
PAGES: list[tuple[Callable[[Client], str], str]] = [
    (home_before_the_day, "js/finder.js"),
    (home_after_the_day, "js/participation-map.js"),
    (finder, "js/finder.js"),
    (event_page, "js/event-page.js"),
    (event_form, "js/event-form.js"),
    (participant_page, "js/participation-map.js"),
    (recap, "js/participation-map.js"),
]


@pytest.mark.parametrize(("open_page", "page_script"), PAGES, ids=[p.__name__ for p, _ in PAGES])
def test_every_map_takes_its_tiles_from_the_settings_and_is_made_by_maps_js(
    client, settings, open_page, page_script
):
    settings.MAP_TILES_URL = TILES_URL
    settings.MAP_TILES_ATTRIBUTION = ATTRIBUTION
    response = client.get(open_page(client))
    assert response.status_code == 200
    html = response.content.decode()

    # The attribution is HTML that Leaflet shows as a link; here it is an escaped attribute.
    attrs = (
        f'data-tiles-url="{TILES_URL}" data-tiles-attribution="&amp;copy; &lt;a '
        'href=&quot;https://example.org/&quot;&gt;Example&lt;/a&gt;"'
    )
    assert html.count("data-tiles-url=") == html.count(attrs) == 1
    scripts = re.findall(r'<script src="/static/([^"]+)"', html)
    assert scripts.count("leaflet/leaflet.js") == scripts.count("js/maps.js") == 1
    assert scripts.index("leaflet/leaflet.js") < scripts.index("js/maps.js")
    assert scripts.index("js/maps.js") < scripts.index(page_script)
    assert "<script>" not in html and " style=" not in html


def test_maps_draw_no_tiles_when_no_tile_server_is_set(client, settings):
    settings.MAP_TILES_URL = ""
    html = client.get(event_page(client)).content.decode()
    assert 'data-tiles-url="" data-tiles-attribution=' in html
