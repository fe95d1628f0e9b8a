"""A real Chromium solves the platform's own ALTCHA challenge and signs, under the site's CSP."""

import pytest
from playwright.sync_api import expect

from petitions.models import Signature
from tests.petitions.conftest import make_petition

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_browser_solves_the_challenge_on_the_petition_page_and_signs(live_server, page, settings):
    settings.ALTCHA_ENABLED = True
    settings.ALTCHA_MAX_NUMBER = 200  # low: a fraction of a second
    settings.ALTCHA_COST = 10
    settings.FORM_TRAPS_ENABLED = True
    # The honeypot stays on; no minimum fill time: with so low a difficulty a fast machine
    # fills and solves the form in under a second, and the trap would rightly take it for a bot.
    settings.FORM_MIN_FILL_SECONDS = 0
    petition = make_petition()
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" or "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    page.goto(f"{live_server.url}{petition.get_absolute_url()}")
    page.get_by_label("First name", exact=True).fill("Inês")  # focus starts the proof of work
    page.get_by_label("Last name", exact=True).fill("Costa")
    page.get_by_label("Email", exact=True).fill("ines@example.org")
    page.get_by_label("Country", exact=True).select_option("PT")
    page.wait_for_function(
        "() => (document.querySelector('altcha-widget input[name=altcha]') || {}).value",
        timeout=15_000,
    )
    page.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    signature = Signature.objects.get()
    assert signature.email == "ines@example.org" and not signature.is_confirmed()
    assert problems == []


def test_the_widget_speaks_the_pages_language(live_server, page, settings):
    settings.ALTCHA_ENABLED = True
    petition = make_petition()
    page.goto(f"{live_server.url}/ru{petition.get_absolute_url()}")
    widget = page.locator("altcha-widget")
    expect(widget).to_contain_text("Я не робот")
    expect(widget).to_contain_text("Под защитой")
    assert "robot" not in widget.inner_text()
