"""A supporter signs in a real browser, confirms from the email, and sees the count move."""

import re

import pytest

from petitions import cache
from tests.petitions.conftest import make_petition, make_signature, make_target

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_confirm_from_the_email_and_see_the_counter_move(
    live_server, page, settings, celery_worker, mailbox, monkeypatch
):
    # Pages show a count up to LIVE_SECONDS old (tests/petitions/test_page_cache.py); this
    # journey checks it moves, so without that delay.
    monkeypatch.setattr(cache, "LIVE_SECONDS", 0)
    petition = make_petition(goal=10)
    make_target(petition, name="Volker Türk")
    for _ in range(4):
        make_signature(petition, confirmed=True)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/petitions/")  # the navigation's link
    assert page.get_by_role("heading", name=petition.title).is_visible()
    assert page.locator(".petition-count").first.inner_text() == "4"
    assert page.locator("progress.progress-bar").first.get_attribute("value") == "4"

    # Choosing a high-risk country warns before submitting, and unticks "show me".
    page.get_by_label("Country", exact=True).select_option("RU")
    assert page.locator("#high-risk-notice").is_visible()
    assert page.get_by_label("Show my first name and country").is_disabled()
    page.get_by_label("Country", exact=True).select_option("PT")
    assert not page.locator("#high-risk-notice").is_visible()

    page.get_by_label("First name", exact=True).fill("Inês")
    page.get_by_label("Last name", exact=True).fill("Costa")
    page.get_by_label("Email", exact=True).fill("ines@example.org")
    page.get_by_label("Postcode (optional)").fill("1000-001")
    page.get_by_label("Show my first name and country").check()
    page.get_by_role("button", name="Sign the petition").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()

    (message,) = mailbox.wait_for(lambda messages: len(messages) == 1)
    assert message["To"] == "ines@example.org"
    html = message.get_body(("html",)).get_content()
    # The worker made the link, on the site's address as its own settings give it: the same
    # path on this server.
    confirm = re.search(r'href="(https?://[^/"]+)(/[^"]+/confirm/)"', html)
    assert confirm.group(1) == settings.SITE_URL
    page.goto(live_server.url + confirm.group(2))
    assert page.get_by_role("heading", name="Confirm your signature").is_visible()
    page.get_by_role("button", name="Confirm my signature").click()

    assert page.get_by_role("heading", name="Thank you for signing").is_visible()
    assert page.locator(".petition-count").inner_text() == "5"
    assert page.locator("progress.progress-bar").get_attribute("value") == "5"
    assert (
        page.get_by_role("link", name="Find a protest near you").get_attribute("href") == "/events/"
    )

    page.goto(f"{live_server.url}/petitions/{petition.slug}/")
    assert page.locator(".petition-count").first.inner_text() == "5"
    assert page.locator(".signers").get_by_text("Inês, Portugal").is_visible()
    page.goto(f"{live_server.url}/")
    assert page.locator(".home-petition .petition-count").inner_text() == "5"
    assert errors == []
