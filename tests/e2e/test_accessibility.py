"""Accessibility in a real browser: axe-core finds nothing on any page, in English and Russian,
on a desktop and a phone, and the three journeys that matter work with a keyboard alone.

axe-core comes bundled with axe-playwright-python (nothing is downloaded); it runs every rule
it has for WCAG 2.0-2.2 A and AA and its best practices, and a violation of any impact fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, ViewportSize, expect

from events import attendance_links
from events.models import Attendance, Event
from petitions import links as petition_links
from petitions.models import Signature
from tests.conftest import make_user
from tests.e2e.test_event_journey import PASSWORD
from tests.events.factories import make_attendance, make_campaign, make_event
from tests.outbox import rendered
from tests.petitions.conftest import link_in, make_petition, make_signature

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Axe()
WIDTHS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 860},
    "phone": {"width": 360, "height": 740},
}
INK = "rgb(29, 21, 48)"  # --focus-ring on light backgrounds (static/css/site.css)


@dataclass
class Site:
    """The rows every audited page needs, and the signed links of a signer and a participant."""

    event: Event
    petition_slug: str
    signature_confirm: str
    attendance_confirm: str
    attendance_page: str


@pytest.fixture
def site(settings) -> Site:
    # The proof-of-work widget is audited too, as visitors get it.
    settings.ALTCHA_ENABLED = True
    settings.ALTCHA_MAX_NUMBER = 200
    settings.ALTCHA_COST = 10
    campaign = make_campaign()
    organizer = make_user("organizer@example.org", password=PASSWORD)
    event = make_event(campaign=campaign, organizer=organizer)
    make_event(
        campaign=campaign,
        kind=Event.Kind.EMBASSY,
        title="Vigil at the embassy",
        lat=51.4995,
        lng=-0.1925,
    )
    participant = make_attendance(event, status=Attendance.Status.CONFIRMED)
    unconfirmed = make_attendance(event)
    petition = make_petition()
    signature = make_signature(petition)
    make_signature(petition, confirmed=True, show_publicly=True)
    return Site(
        event=event,
        petition_slug=petition.slug,
        signature_confirm=petition_links.CONFIRM.path("petitions:confirm", signature.pk),
        attendance_confirm=attendance_links.path(unconfirmed, attendance_links.Purpose.CONFIRM),
        attendance_page=attendance_links.path(participant, attendance_links.Purpose.VIEW),
    )


def public_paths(site: Site) -> list[str]:
    event, petition = site.event.slug, site.petition_slug
    return [
        "/",
        "/events/",
        "/events/?q=London",
        f"/events/{event}/",
        f"/events/{event}/rsvp/sent/",
        "/events/?q=Porto%20Alegre",  # nothing near: the invitation to organize, alerts
        "/events/alerts/",
        "/events/alerts/sent/",
        "/events/recap/",
        f"/petitions/{petition}/",
        f"/petitions/{petition}/embed/",
        "/events/embed/map/",
        "/events/embed/map/?country=GB",
        f"/petitions/{petition}/check-your-email/",
        f"/petitions/{petition}/thank-you/",
        "/privacy/",
        "/no-such-page/",
        "/accounts/login/",
        "/accounts/signup/",
    ]


def organizer_paths(site: Site) -> list[str]:
    return ["/events/new/", "/events/mine/", f"/events/mine/{site.event.slug}/"]


def without_language(path: str) -> str:
    """A signed link as reverse() wrote it, English's unprefixed address."""
    return re.sub(r"^/(ru|pt-br|es|fr|de)/", "/", path)


def violations(page: Page, url: str) -> str:
    """axe-core's report of `url`, empty when nothing is wrong. Maps and the proof-of-work
    widget are audited once drawn."""
    page.goto(url)
    finder_map = page.locator("[data-finder-map]")
    if finder_map.count():
        expect(finder_map.first).to_have_attribute("data-ready", "true")
    if page.locator("altcha-widget").count():  # drawn by a module script, after load
        expect(page.locator("altcha-widget > *").first).to_be_attached()
    results = AXE.run(page)
    return results.generate_report() if results.violations_count else ""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", ["", "/ru"], ids=["en", "ru"])
def test_axe_finds_nothing_on_any_page(live_server, page: Page, site: Site, language, width):
    page.set_viewport_size(WIDTHS[width])
    base = live_server.url + language
    found: dict[str, str] = {}
    signed = [site.signature_confirm, site.attendance_confirm, site.attendance_page]
    for path in public_paths(site) + [without_language(link) for link in signed]:
        found[path] = violations(page, base + path)

    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill("organizer@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    for path in organizer_paths(site):
        found[path] = violations(page, base + path)

    problems = {path: report for path, report in found.items() if report}
    assert not problems, "\n\n".join(f"{base}{path}\n{report}" for path, report in problems.items())


# --- Keyboard only -------------------------------------------------------------------------
@pytest.fixture
def keyboard_page(new_context) -> Iterator[Page]:
    """A page whose clocks are 24-hour (en-GB), so a time is typed as four digits."""
    yield new_context(locale="en-GB").new_page()


def tab_to(page: Page, target: Locator, *, limit: int = 120) -> None:
    """Press Tab until `target` has the focus, as someone without a pointer does."""
    handle = target.element_handle()
    for _ in range(limit):
        if page.evaluate("(element) => document.activeElement === element", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def assert_focus_ring(page: Page, colour: str = INK) -> None:
    """The focused element shows the site's ring: 3 px, solid, in a colour of 3:1 or more."""
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
    )
    assert style == ["solid", "3px", colour]


def test_signing_the_petition_with_a_keyboard_alone(live_server, keyboard_page: Page, settings):
    settings.ALTCHA_ENABLED = True
    settings.ALTCHA_MAX_NUMBER = 200
    settings.ALTCHA_COST = 10
    page = keyboard_page
    petition = make_petition()
    page.goto(f"{live_server.url}/petitions/{petition.slug}/")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    assert_focus_ring(page)
    page.keyboard.press("Enter")
    type_into(page, page.get_by_label("First name", exact=True), "Inês")
    assert_focus_ring(page)
    type_into(page, page.get_by_label("Last name", exact=True), "Costa")
    type_into(page, page.get_by_label("Email", exact=True), "ines@example.org")
    tab_to(page, page.get_by_label("Country", exact=True))
    page.keyboard.type("Portugal")  # a closed select jumps to the option typed
    expect(page.get_by_label("Country", exact=True)).to_have_value("PT")
    tab_to(page, page.get_by_label("Show my first name and country"))
    page.keyboard.press("Space")
    expect(page.get_by_label("Show my first name and country")).to_be_checked()
    page.wait_for_function(
        "() => (document.querySelector('altcha-widget input[name=altcha]') || {}).value",
        timeout=15_000,
    )
    tab_to(page, page.get_by_role("button", name="Sign the petition"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    signature = Signature.objects.get(email="ines@example.org")
    assert signature.show_publicly and signature.country == "PT"
    page.goto(live_server.url + link_in(rendered().get(to="ines@example.org"), "confirm"))
    tab_to(page, page.get_by_role("button", name="Confirm my signature"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Thank you for signing")).to_be_visible()
    signature.refresh_from_db()
    assert signature.is_confirmed()


def test_signing_up_to_attend_with_a_keyboard_alone(live_server, keyboard_page: Page):
    page = keyboard_page
    event = make_event()
    page.goto(live_server.url + event.get_absolute_url())

    type_into(page, page.get_by_label("First name"), "Masha")
    type_into(page, page.get_by_label("Email"), "masha@example.org")
    tab_to(page, page.get_by_label("The organizer may contact me about this event"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Sign up to attend"))
    assert_focus_ring(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    row = rendered().get(to="masha@example.org")
    confirm = re.search(r"https?://[^/\s]+(/events/attend/[^/\s]+/confirm/)", row.body_text)
    assert confirm, row.body_text
    page.goto(live_server.url + confirm.group(1))
    tab_to(page, page.get_by_role("button", name="Confirm"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("You are going.")).to_be_visible()
    attendance = Attendance.objects.get(email="masha@example.org")
    assert attendance.is_confirmed() and attendance.consent_organizer


def test_registering_an_event_with_a_keyboard_alone(live_server, keyboard_page: Page):
    page = keyboard_page
    make_campaign()
    make_user("organizer@example.org", password=PASSWORD)
    page.goto(live_server.url + "/events/new/")  # sent to log in first
    type_into(page, page.get_by_label("Email"), "organizer@example.org")
    type_into(page, page.get_by_label("Password"), PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Organize a protest")).to_be_visible()

    # The kinds are radio buttons: Tab reaches the group, the arrow keys choose in it.
    public = page.get_by_label("City centre or other public place")
    tab_to(page, page.locator("input[name=kind]").first)
    for _ in range(3):
        if public.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(public).to_be_checked()
    # The city search instead of the map: Enter takes the first city found.
    type_into(page, page.get_by_label("Find a city"), "Lisbo")
    expect(page.get_by_role("button", name="Lisbon, Portugal")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_label("City", exact=True)).to_have_value("Lisbon")
    # The map's typed alternative: the meeting point's own coordinates.
    latitude, longitude = page.get_by_label("Latitude", exact=True), page.get_by_label("Longitude")
    tab_to(page, latitude)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("38.707500")
    tab_to(page, longitude)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("-9.136500")
    type_into(page, page.get_by_label("Meeting point", exact=True), "By the arch")
    type_into(page, page.get_by_label("Starts at"), "1400")
    type_into(page, page.get_by_label("Ends at"), "1600")
    type_into(page, page.get_by_label("Title", exact=True), "Lisbon stands with queer Russia")
    type_into(page, page.get_by_label("Description", exact=True), "We gather peacefully.")
    type_into(page, page.get_by_label("Public display name"), "Lisboa Solidária")
    tab_to(page, page.get_by_label("I have read and will follow the"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Send for review"))
    assert_focus_ring(page)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Lisbon stands with queer Russia")).to_be_visible()
    event = Event.objects.get()
    assert (event.city, event.meeting_point, event.timezone) == (
        "Lisbon",
        "By the arch",
        "Europe/Lisbon",
    )
    assert event.point.y == pytest.approx(38.7075) and event.point.x == pytest.approx(-9.1365)


def test_the_header_shows_a_yellow_focus_ring_on_its_purple(live_server, keyboard_page: Page):
    page = keyboard_page
    page.goto(live_server.url + "/privacy/")
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link").first)
    assert_focus_ring(page, "rgb(255, 210, 63)")  # --accent on --brand


def test_the_maps_name_their_markers_and_point_to_the_list(live_server, page: Page, site: Site):
    page.goto(live_server.url + "/events/?q=London")
    finder_map = page.get_by_role("region", name="Map of the events")
    expect(finder_map).to_have_attribute("data-ready", "true")
    expect(finder_map).to_have_accessible_description(
        "Every event on this map is also in the list of events on this page."
    )
    legend = page.get_by_role("list", name="Map legend")
    expect(legend).to_be_visible()
    for kind in ("public", "embassy"):
        # The legend's dot has the marker's own colour.
        marker = page.locator(f".leaflet-marker-icon.finder-marker-{kind}").first
        swatch = legend.locator(f".finder-marker-{kind}")
        colour = marker.evaluate("(element) => getComputedStyle(element).backgroundColor")
        expect(swatch).to_have_css("background-color", colour)
    expect(legend).to_contain_text("At a Russian embassy or consulate")
    expect(legend).to_contain_text("The place you searched for")

    page.goto(live_server.url + "/ru" + site.event.get_absolute_url())
    event_map = page.locator("#event-map.leaflet-container")
    expect(event_map).to_have_accessible_description("Место и время указаны текстом над картой.")
    expect(event_map.get_by_role("img", name="Место встречи")).to_be_visible()
