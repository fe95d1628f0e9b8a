"""An organizer registers a protest in the browser, a moderator approves it, the public sees it."""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from playwright.sync_api import Page, expect

from allout.models import Campaign
from events.models import Event
from tests.conftest import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
MODERATOR_SECRET = "JBSWY3DPEHPK3PXPJOURNEYAAAAAAAAA"


def totp_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def log_in(page: Page, base: str, email: str, path: str = "/accounts/login/") -> None:
    if path:
        page.goto(base + path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form").get_by_role("button", name="Sign In").click()


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def other_page(browser):
    """Pages in their own browser contexts (own cookies), closed after the test so their
    keep-alive connections to the live server do not hold database sessions open."""
    contexts = []

    def new_page() -> Page:
        contexts.append(browser.new_context())
        return contexts[-1].new_page()

    yield new_page
    for context in contexts:
        context.close()


def test_a_protest_goes_from_the_organizer_through_a_moderator_to_the_public(
    live_server, page, other_page
):
    Campaign.objects.create(name="Day of action", slug="doa", date=datetime.date(2099, 3, 16))
    make_user("organizer@example.org", password=PASSWORD)
    moderator = make_user("moderator@example.org", is_staff=True, is_superuser=True)
    TOTP.activate(moderator, MODERATOR_SECRET)
    base = live_server.url
    errors = watch_errors(page)

    # The organizer is sent to log in, then back to the form.
    page.goto(base + "/events/new/")
    log_in(page, base, "organizer@example.org", path="")
    expect(page.get_by_role("heading", name="Organize a protest")).to_be_visible()

    page.get_by_label("City centre or other public place").check()
    expect(page.get_by_label("Embassy or consulate", exact=True)).to_be_hidden()
    page.get_by_label("Find a city").press_sequentially("Lisbo")
    page.get_by_role("button", name="Lisbon, Portugal").click()
    expect(page.get_by_label("City", exact=True)).to_have_value("Lisbon")
    expect(page.get_by_label("Country", exact=True)).to_have_value("PT")
    # The city centres the map; a click a little off centre places the meeting point.
    page.locator("#map-picker").click(position={"x": 260, "y": 150})
    latitude = float(page.get_by_label("Latitude", exact=True).input_value())
    longitude = float(page.get_by_label("Longitude", exact=True).input_value())
    assert 38.6 < latitude < 38.85 and -9.3 < longitude < -9.0
    expect(page.locator("#map-picker .leaflet-marker-icon")).to_have_count(1)

    page.get_by_label("Address", exact=True).fill("Praça do Comércio, Lisboa")
    page.get_by_label("Meeting point", exact=True).fill("By the arch")
    expect(page.get_by_label("Date", exact=True)).to_have_value("2099-03-16")
    page.get_by_label("Starts at").fill("14:00")
    page.get_by_label("Ends at").fill("16:00")
    page.get_by_label("Title", exact=True).fill("Lisbon stands with queer Russia")
    page.get_by_label("Description", exact=True).fill("We gather **peacefully**.")
    page.get_by_label("Public display name").fill("Lisboa Solidária")
    page.get_by_label("I have read and will follow the").check()
    page.get_by_role("button", name="Send for review").click()

    expect(page.get_by_role("heading", name="Lisbon stands with queer Russia")).to_be_visible()
    expect(page.get_by_text("Waiting for review.")).to_be_visible()
    event = Event.objects.get()
    assert event.status == Event.Status.PENDING
    assert event.timezone == "Europe/Lisbon" and event.city == "Lisbon"
    assert event.point.y == pytest.approx(latitude, abs=1e-6)
    event_url = f"{base}/events/{event.slug}/"

    # Nobody else sees it yet.
    public = other_page()
    public_errors = watch_errors(public)
    assert public.goto(event_url).status == 404

    # The moderator logs in with their second factor and approves it in the admin.
    staff = other_page()
    log_in(staff, base, "moderator@example.org")
    staff.locator("input[name=code]").fill(totp_code(MODERATOR_SECRET))
    staff.get_by_role("button", name="Sign In").click()
    staff.goto(base + "/admin/events/event/")
    staff.get_by_role("link", name="Lisbon stands with queer Russia").click()
    expect(staff.get_by_text("new account (0 days old)")).to_be_visible()
    staff.get_by_role("button", name="Approve").click()
    expect(staff.get_by_text("Approved 1 event; its organizer was emailed.")).to_be_visible()
    expect(staff.get_by_role("link", name="Unpublish…")).to_be_visible()

    # The public page shows it, with its map.
    assert public.goto(event_url).status == 200
    expect(public.get_by_role("heading", name="Lisbon stands with queer Russia")).to_be_visible()
    expect(public.get_by_text("Organized by Lisboa Solidária")).to_be_visible()
    expect(public.get_by_text("Waiting for review.")).to_have_count(0)
    expect(public.locator("#event-map.leaflet-container")).to_be_visible()
    expect(public.get_by_text(re.compile(r"Local time \(Europe/Lisbon"))).to_be_visible()
    assert Event.objects.get().status == Event.Status.APPROVED
    assert errors == []
    assert [error for error in public_errors if "404" not in error] == []
