"""A hidden meeting point stays hidden in the browser: the event form and the maps' tiles."""

from __future__ import annotations

import base64
import re

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import Page, Route, expect

from events import attendance_links as links
from events.models import Embassy, Event
from tests.conftest import make_user
from tests.e2e.test_event_journey import PASSWORD, log_in, watch_errors
from tests.events.factories import make_attendance, make_campaign, make_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HIDE = "Show the exact meeting point only to confirmed participants"
# A 1x1 transparent PNG: what the pretend tile server answers.
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
TILE_PATH = re.compile(r"/tiles/(\d+)/(\d+)/(\d+)\.png$")


def test_the_form_offers_no_hiding_for_an_embassy_and_keeps_the_tick_for_a_public_place(
    live_server, page: Page
):
    make_campaign()
    make_user("organizer@example.org", password=PASSWORD)
    embassy = Embassy.objects.create(
        name="Embassy of the Russian Federation in the United Kingdom",
        country="GB",
        city="London",
        address="6/7 Kensington Palace Gardens, London W8 4QP",
        point=Point(-0.190944, 51.507806, srid=4326),
    )
    errors = watch_errors(page)
    page.goto(live_server.url + "/events/new/")
    log_in(page, live_server.url, "organizer@example.org", path="")

    page.get_by_label("City centre or other public place").check()
    hide = page.get_by_label(HIDE)
    hide.check()
    page.get_by_role("radio", name="At a Russian embassy or consulate").check()
    expect(hide).to_be_hidden()
    expect(hide).to_be_disabled()
    expect(page.get_by_text("its meeting point is shown to everyone")).to_be_visible()
    page.get_by_role("radio", name="City centre or other public place").check()
    expect(hide).to_be_visible()
    expect(hide).to_be_checked()

    # Back to the embassy: the hidden, ticked box is not sent, so nothing is refused.
    page.get_by_role("radio", name="At a Russian embassy or consulate").check()
    page.get_by_label("Embassy or consulate", exact=True).select_option(str(embassy.pk))
    page.get_by_label("Meeting point", exact=True).fill("Opposite the gate")
    page.get_by_label("Starts at").fill("14:00")
    page.get_by_label("Ends at").fill("16:00")
    page.get_by_label("Title", exact=True).fill("London at the embassy")
    page.get_by_label("Description", exact=True).fill("We gather **peacefully**.")
    page.get_by_label("Public display name").fill("London volunteers")
    page.get_by_label("I have read and will follow the").check()
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_role("heading", name="London at the embassy")).to_be_visible()
    event = Event.objects.get()
    assert event.kind == Event.Kind.EMBASSY and event.hide_exact_location is False
    assert errors == []


def tiles_asked(page: Page, url: str) -> set[tuple[int, int, int]]:
    """The (zoom, x, y) of every tile the page asks for while it loads."""
    asked: set[tuple[int, int, int]] = set()

    def answer(route: Route) -> None:
        match = TILE_PATH.search(route.request.url)
        assert match, route.request.url
        z, x, y = (int(part) for part in match.groups())
        asked.add((z, x, y))
        route.fulfill(status=200, content_type="image/png", body=TILE)

    page.route("**/tiles/**", answer)
    page.goto(url)
    page.wait_for_selector(".leaflet-tile-loaded")
    page.wait_for_load_state("networkidle")
    page.unroute("**/tiles/**")
    return asked


@pytest.mark.parametrize("width", [390, 900, 1280])
def test_a_participants_map_asks_the_tile_server_for_no_tile_the_public_page_would_not(
    live_server, page: Page, settings, width
):
    # Same origin as the pages, so the CSP lets the browser ask; page.route answers.
    settings.MAP_TILES_URL = live_server.url + "/tiles/{z}/{x}/{y}.png"
    page.set_viewport_size({"width": width, "height": 900})
    event = make_event(hide_exact_location=True, meeting_point="Behind the blue kiosk")
    attendance = make_attendance(event, status="confirmed")
    errors = watch_errors(page)

    public = tiles_asked(page, live_server.url + event.get_absolute_url())
    participant = tiles_asked(page, live_server.url + links.path(attendance, links.Purpose.VIEW))

    assert participant and participant <= public, sorted(participant - public)
    # A neighbourhood wide enough to hold the exact point, not its street.
    assert {z for z, _, _ in public} == {13}
    expect(page.locator(".meeting-point")).to_have_text("Behind the blue kiosk")
    # The public area and, on it, the exact pin.
    expect(page.locator(".map path.leaflet-interactive")).to_have_count(2)
    assert errors == []
