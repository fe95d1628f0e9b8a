"""Finding a protest in a real browser: the map, its markers and popups, the list, location."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image, ImageChops
from playwright.sync_api import Page, expect

from events.demo import next_day_of_action
from tests.conftest import ROOT
from tests.events.factories import make_campaign, make_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = ROOT / "docs" / "screenshots" / "finder.png"

# (slug, title, city, country, lat, lng, kind)
EVENTS = [
    ("london-embassy", "Vigil at the Russian Embassy", "London", "GB", 51.5076, -0.1888, "embassy"),
    ("london-tower", "Rainbow picnic at Tower Hill", "London", "GB", 51.5098, -0.0759, "public"),
    ("paris", "Rassemblement devant l'ambassade", "Paris", "FR", 48.8686, 2.2722, "embassy"),
    ("brussels", "Solidarity on the Grand-Place", "Brussels", "BE", 50.8467, 4.3525, "public"),
    ("amsterdam", "Dam Square for queer Russia", "Amsterdam", "NL", 52.3731, 4.8926, "public"),
    ("berlin", "Kundgebung Unter den Linden", "Berlin", "DE", 52.5167, 13.3833, "embassy"),
    ("berlin-2", "Queer picnic in Tiergarten", "Berlin", "DE", 52.5145, 13.3501, "public"),
    ("warsaw", "Protest at the embassy in Warsaw", "Warsaw", "PL", 52.2159, 21.0318, "embassy"),
    ("vienna", "Vienna stands with queer Russia", "Vienna", "AT", 48.2082, 16.3738, "public"),
    ("madrid", "Concentración en Madrid", "Madrid", "ES", 40.4168, -3.7038, "public"),
    ("rome", "Presidio a Roma", "Rome", "IT", 41.9028, 12.4964, "public"),
    ("new-york", "Rally at the Russian consulate", "New York", "US", 40.7769, -73.9637, "embassy"),
    ("tokyo", "Tokyo solidarity walk", "Tokyo", "JP", 35.6812, 139.7671, "public"),
]


@pytest.fixture
def events(db):
    # The next 16 March after today: the screenshot changes once a year, not every day.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    campaign = make_campaign(date=next_day_of_action(tomorrow))
    day = datetime.datetime.combine(campaign.date, datetime.time(11), datetime.UTC)
    return {
        slug: make_event(
            slug=slug, title=title, city=city, country=country, lat=lat, lng=lng, kind=kind,
            campaign=campaign, starts_at=day,
        )
        for slug, title, city, country, lat, lng, kind in EVENTS
    }  # fmt: skip


@pytest.fixture
def errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions (a CSP violation is a console error)."""
    seen: list[str] = []
    page.on(
        "console", lambda message: seen.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda exception: seen.append(str(exception)))
    return seen


def save_screenshot(png: bytes, path: Path) -> None:
    """Write the README's picture, unless only antialiasing changed since the committed one.

    Chromium rounds a few edge pixels differently from run to run; rewriting the file each
    time would leave every checkout with a modified binary.
    """
    if path.exists():
        old, new = Image.open(path).convert("RGB"), Image.open(io.BytesIO(png)).convert("RGB")
        if old.size == new.size:
            extrema = ImageChops.difference(old, new).getextrema()
            if max(high for _, high in extrema) <= 8:  # type: ignore[misc]  # per band
                return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)


def listed_titles(page: Page) -> list[str]:
    return page.locator(".finder-item-title").all_inner_texts()


def wait_for_map(page: Page) -> None:
    expect(page.locator('[data-finder-map][data-ready="true"]')).to_be_attached()


def test_typing_london_lists_londons_events_first_and_shows_their_markers(
    live_server, page: Page, events, errors
):
    page.set_viewport_size({"width": 1280, "height": 860})
    page.emulate_media(reduced_motion="reduce")  # a still map, for the same picture every run
    page.goto(live_server.url + "/events/")
    page.get_by_label("Town, city or country").fill("London")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="Nearest to London, United Kingdom")).to_be_visible()
    titles = listed_titles(page)
    assert set(titles[:2]) == {"Vigil at the Russian Embassy", "Rainbow picnic at Tower Hill"}
    wait_for_map(page)
    for title in titles[:2]:
        expect(page.locator(f'.leaflet-marker-icon[title="{title}"]')).to_be_visible()
    save_screenshot(page.screenshot(), SCREENSHOT)
    assert errors == []


def test_a_markers_popup_leads_to_the_event_page(live_server, page: Page, events, errors):
    page.goto(live_server.url + "/events/?q=Paris")
    wait_for_map(page)
    page.locator('.leaflet-marker-icon[title="Rassemblement devant l\'ambassade"]').click()
    popup = page.locator(".leaflet-popup")
    expect(popup).to_contain_text("Paris")
    expect(popup).to_contain_text("12:00")  # 11:00 UTC is noon in Paris
    popup.get_by_role("link", name="Event page").click()
    expect(page).to_have_url(live_server.url + "/events/paris/")
    expect(page.get_by_role("heading", name="Rassemblement devant l'ambassade")).to_be_visible()
    assert errors == []


def test_clusters_group_dense_markers_on_the_world_map(live_server, page: Page, events, errors):
    page.goto(live_server.url + "/events/")
    wait_for_map(page)
    assert page.locator("[data-finder-map]").get_attribute("data-markers") == str(len(EVENTS))
    expect(page.locator(".marker-cluster").first).to_be_visible()
    assert errors == []


def test_without_javascript_the_search_and_the_list_still_work(live_server, new_context, events):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + "/events/")
    expect(page.locator("[data-finder-map]")).to_be_hidden()
    expect(page.get_by_role("button", name="Use my location")).to_be_hidden()
    page.get_by_label("Town, city or country").fill("Berlin")
    page.get_by_label("Within").select_option("100")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Nearest to Berlin, Germany")).to_be_visible()
    assert set(listed_titles(page)) == {"Kundgebung Unter den Linden", "Queer picnic in Tiergarten"}
    page.get_by_role("link", name="Kundgebung Unter den Linden").click()
    expect(page).to_have_url(live_server.url + "/events/berlin/")


def test_use_my_location_asks_only_when_clicked_and_sorts_by_distance_from_there(
    live_server, page: Page, events, errors
):
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": 52.2297, "longitude": 21.0122})  # Warsaw
    # Count the page's requests for the position (Playwright's init scripts are not
    # subject to the page's CSP).
    page.add_init_script(
        "window.positionRequests = 0;"
        "const ask = navigator.geolocation.getCurrentPosition.bind(navigator.geolocation);"
        "navigator.geolocation.getCurrentPosition = (...args) => {"
        "  window.positionRequests += 1; return ask(...args); };"
    )
    page.goto(live_server.url + "/events/?date=all")
    wait_for_map(page)
    assert page.evaluate("window.positionRequests") == 0

    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_role("heading", name="Nearest to the chosen location")).to_be_visible()
    titles = listed_titles(page)
    assert titles[:3] == [
        "Protest at the embassy in Warsaw",
        "Kundgebung Unter den Linden",
        "Queer picnic in Tiergarten",
    ]
    # The position travels rounded to about a kilometre, and the filters are kept.
    assert "lat=52.23&lng=21.01" in page.url and "date=all" in page.url
    assert errors == []
