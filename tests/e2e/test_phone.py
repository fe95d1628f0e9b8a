"""Phone first (issue 12): on a 360 x 740 screen each page's main action is in the first
screen, and no page scrolls sideways. Checked on the demo data, whose texts are as long as
the real campaign's, in English, Russian and German (the longest words)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
LANGUAGES = pytest.mark.parametrize("language", ["", "/ru", "/de"], ids=["en", "ru", "de"])
# From events/demo.py: the Sphere petition, and organizer@example.org's London protest with
# five confirmed participants.
PETITION = "/petitions/safe-passage/"
EVENT = "/events/london-embassy/"
ORGANIZER = ("organizer@example.org", "demo-organizer")


@pytest.fixture
def demo(db) -> None:
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    return page


def assert_in_first_screen(page: Page, target: Locator) -> None:
    """`target` is drawn whole within the first 740 px, without scrolling."""
    expect(target).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    box = target.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (page.url, box)


# What sticks out to the right of a phone's screen (a box, or text wider than its box), for
# the failure message.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > innerWidth || e.scrollWidth > e.clientWidth)
  .filter((e) => getComputedStyle(e).overflowX === "visible")
  .slice(-5).map((e) => `${e.tagName}.${e.className}: ${e.textContent.trim().slice(0, 40)}`)"""


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(WIDEST) if width > PHONE["width"] else []
    assert width <= PHONE["width"], f"{page.url} is {width} px wide: {wide}"


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill(ORGANIZER[0])
    page.locator("input[name=password]").fill(ORGANIZER[1])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@LANGUAGES
def test_the_home_pages_three_calls_to_action_are_in_the_first_screen(
    live_server, phone: Page, demo, language
):
    phone.goto(live_server.url + language + "/")
    actions = phone.locator(".hero-actions a")
    assert [actions.nth(i).get_attribute("href") for i in range(3)] == [
        "/events/",
        "/events/new/",
        "/petitions/",
    ]
    for i in range(3):
        assert_in_first_screen(phone, actions.nth(i))


@LANGUAGES
def test_the_petitions_sign_button_is_in_the_first_screen_and_leads_to_the_form(
    live_server, phone: Page, demo, language
):
    phone.goto(live_server.url + language + PETITION)
    jump = phone.locator(".jump-to-sign a")
    assert_in_first_screen(phone, jump)
    # Above the long text, which the form follows on a phone.
    text = phone.locator(".petition-text")
    assert jump.bounding_box()["y"] < text.bounding_box()["y"]  # type: ignore[index]
    jump.click()
    expect(phone).to_have_url(live_server.url + language + PETITION + "#sign")
    expect(phone.locator("#sign-heading")).to_be_in_viewport()
    expect(phone.locator("#sign input[name=first_name]")).to_be_in_viewport()


@LANGUAGES
def test_the_events_im_going_is_in_the_first_screen_and_leads_to_the_form(
    live_server, phone: Page, demo, language
):
    phone.goto(live_server.url + language + EVENT)
    jump = phone.locator(".jump-to-rsvp a")
    assert_in_first_screen(phone, jump)
    description = phone.locator(".event-description")
    assert jump.bounding_box()["y"] < description.bounding_box()["y"]  # type: ignore[index]
    jump.click()
    expect(phone.locator("#rsvp")).to_be_in_viewport()
    expect(phone.locator("#rsvp input[name=first_name]")).to_be_in_viewport()


@LANGUAGES
def test_after_a_search_the_nearest_event_is_in_the_first_screen(
    live_server, phone: Page, demo, language
):
    phone.goto(live_server.url + language + "/events/?q=London")
    first = phone.locator(".finder-item").first
    expect(first).to_contain_text("London")
    assert_in_first_screen(phone, first)
    # The form follows the results, and a link at the top leads to it.
    change = phone.locator(".finder-change a")
    assert_in_first_screen(phone, change)
    change.click()
    expect(phone.locator("#finder-form input[name=q]")).to_be_in_viewport()
    expect(phone.locator("#finder-form input[name=q]")).to_have_value("London")


def test_on_a_wide_screen_the_search_form_stays_above_the_map_and_the_list(
    live_server, page: Page, demo
):
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    page.goto(live_server.url + "/events/?q=London")
    expect(page.locator("[data-finder-map]")).to_have_attribute("data-ready", "true")
    form = page.locator("#finder-form").bounding_box()
    map_box = page.locator("[data-finder-map]").bounding_box()
    results = page.locator(".finder-results").bounding_box()
    assert form and map_box and results
    assert form["y"] + form["height"] < min(map_box["y"], results["y"])
    assert map_box["x"] + map_box["width"] <= results["x"]  # the map on the left, the list beside
    expect(page.locator(".finder-change")).to_be_hidden()
    expect(page.locator(".hero-actions, .jump-to-sign, .jump-to-rsvp")).to_have_count(0)


@LANGUAGES
def test_no_public_page_scrolls_sideways_on_a_phone(live_server, phone: Page, demo, language):
    base = live_server.url + language
    for path in [
        "/",
        "/events/",
        "/events/?q=London",
        EVENT,
        "/events/recap/",
        "/petitions/",
        PETITION,
        PETITION + "embed/",
        "/privacy/",
        "/accounts/login/",
        "/accounts/signup/",
    ]:
        phone.goto(base + path)
        assert_no_sideways_scroll(phone)


@LANGUAGES
def test_the_organizers_dashboard_and_participant_list_fit_a_phone(
    live_server, phone: Page, demo, language
):
    base = live_server.url + language
    log_in(phone, base)
    phone.goto(base + "/events/mine/")
    assert_no_sideways_scroll(phone)
    # Four columns may not fit: they scroll in their own box, reached by keyboard and named.
    assert_scrolls_in_a_named_region(phone.locator(".table-scroll"))
    expect(phone.locator(".table-scroll tbody tr")).to_have_count(5)

    phone.goto(base + "/events/mine/london-embassy/")
    assert_no_sideways_scroll(phone)
    participants = phone.locator(".table-scroll")
    assert_scrolls_in_a_named_region(participants)
    expect(participants.locator("tbody tr")).to_have_count(5)
    # The participant list itself fits: a long address breaks, nobody scrolls to read it.
    for cell in participants.locator("th, td").all():
        box = cell.bounding_box()
        assert box and box["x"] + box["width"] <= PHONE["width"], cell.inner_text()


def assert_scrolls_in_a_named_region(box: Locator) -> None:
    expect(box).to_have_attribute("role", "region")
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_attribute("aria-label", re.compile(r"\S"))
    expect(box).to_have_css("overflow-x", "auto")
