"""An organizer places a city-centre protest by city search and a pin, with no street address."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from events.models import Event
from tests.conftest import make_user
from tests.e2e.test_event_journey import PASSWORD, log_in
from tests.events.factories import make_alert, make_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_square_found_by_city_search_and_a_pin_needs_no_street_address(live_server, page):
    make_campaign()
    make_user("organizer@example.org", password=PASSWORD)
    page.goto(live_server.url + "/events/new/")
    log_in(page, live_server.url, "organizer@example.org", path="")

    page.get_by_label("City centre or other public place").check()
    page.get_by_label("Find a city").press_sequentially("Lisbo")
    page.get_by_role("button", name="Lisbon, Portugal").click()
    page.locator("#map-picker").click(position={"x": 260, "y": 150})
    page.get_by_label("Meeting point", exact=True).fill("By the arch")
    page.get_by_label("Starts at").fill("14:00")
    page.get_by_label("Ends at").fill("13:00")
    page.get_by_label("Title", exact=True).fill("Lisbon stands with queer Russia")
    page.get_by_label("Description", exact=True).fill("We gather **peacefully**.")
    page.get_by_label("Public display name").fill("Lisboa Solidária")
    page.get_by_label("I have read and will follow the").check()

    # An end before the start: the banner at the top names the field, and leads to it.
    page.get_by_role("button", name="Send for review").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Please correct: Ends at.")
    summary.get_by_role("link", name="Ends at").click()
    expect(page).to_have_url(live_server.url + "/events/new/#id_end_time")

    page.get_by_label("Ends at").fill("16:00")
    page.get_by_label("I have read and will follow the").check()
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_role("heading", name="Lisbon stands with queer Russia")).to_be_visible()
    event = Event.objects.get()
    assert (event.city, event.address, event.meeting_point) == ("Lisbon", "", "By the arch")


def test_choosing_a_city_shows_how_many_people_near_it_asked_from_ten_up(live_server, page):
    campaign = make_campaign()
    make_user("organizer@example.org", password=PASSWORD)
    lisbon = {"point": Point(-9.1393, 38.7223, srid=4326), "status": "confirmed"}
    for number in range(10):
        make_alert(campaign, email=f"lisboa{number}@example.org", **lisbon)
    page.goto(live_server.url + "/events/new/")
    log_in(page, live_server.url, "organizer@example.org", path="")
    demand = page.locator("#demand-count")
    expect(demand).to_be_hidden()

    page.get_by_label("City centre or other public place").check()
    page.get_by_label("Find a city").press_sequentially("Lisbo")
    page.get_by_role("button", name="Lisbon, Portugal").click()
    expect(demand).to_have_text(
        "10 people near Lisbon asked to hear about protests or are going to one."
    )
    # Far from anyone: the sentence goes.
    page.get_by_label("Find a city").fill("")
    page.get_by_label("Find a city").press_sequentially("Madri")
    page.get_by_role("button", name="Madrid, Spain").click()
    expect(demand).to_be_hidden()
