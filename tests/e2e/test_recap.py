import datetime

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from tests.events.factories import make_campaign, make_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_recap_map_draws_every_city_without_console_errors(live_server, page):
    campaign = make_campaign(date=timezone.localdate() - datetime.timedelta(days=1))
    start = timezone.now() - datetime.timedelta(days=1)
    make_event(campaign=campaign, starts_at=start, city="<b>London</b>", turnout=50)
    make_event(
        campaign=campaign, starts_at=start, city="Berlin", country="DE",
        point=Point(13.40, 52.52, srid=4326),
    )  # fmt: skip
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/events/recap/")
    page.wait_for_selector(".recap-map .leaflet-interactive")
    assert page.locator(".recap-map .leaflet-interactive").count() == 2
    # Cities come in the list's order (by country name): Berlin, then London.
    page.locator(".recap-map .leaflet-interactive").nth(1).hover()
    # A city name typed by an organizer is shown as text, never run as markup.
    tooltip = page.locator(".leaflet-tooltip")
    assert tooltip.inner_text() == "<b>London</b>, United Kingdom"
    assert tooltip.locator("b").count() == 0
    assert errors == []
