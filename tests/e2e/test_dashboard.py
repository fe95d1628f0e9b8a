"""The organizer's dashboard in a browser: destructive buttons look destructive."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import make_user
from tests.e2e.test_event_journey import PASSWORD, log_in
from tests.events.factories import make_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DANGER = "rgb(179, 38, 30)"  # --danger in static/css/site.css (primary is --brand, purple)


def test_the_cancel_this_event_buttons_look_destructive_not_primary(live_server, page):
    organizer = make_user("organizer@example.org", password=PASSWORD)
    event = make_event(organizer=organizer, title="Vigil by the river")
    log_in(page, live_server.url, "organizer@example.org")
    page.goto(f"{live_server.url}/events/mine/{event.slug}/")

    link = page.get_by_role("link", name="Cancel the event")
    expect(link).to_have_css("color", DANGER)
    expect(link).to_have_css("border-top-color", DANGER)
    link.click()

    button = page.get_by_role("button", name="Cancel the event and tell everyone")
    expect(button).to_have_css("background-color", DANGER)
