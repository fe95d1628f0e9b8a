"""What every map gets from AlloutMaps.create (static/js/maps.js), seen in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.events.factories import make_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("reduced_motion", "animated"), [("reduce", False), ("no-preference", True)]
)
def test_maps_fade_and_glide_only_for_visitors_who_did_not_ask_for_less_motion(
    live_server, page: Page, reduced_motion, animated
):
    event = make_event()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.emulate_media(reduced_motion=reduced_motion)
    page.goto(live_server.url + event.get_absolute_url())

    event_map = page.locator("#event-map.leaflet-container")
    expect(event_map).to_be_visible()
    # Leaflet marks a map that fades its tiles and layers in with this class.
    classes = (event_map.get_attribute("class") or "").split()
    assert ("leaflet-fade-anim" in classes) is animated
    assert errors == []
