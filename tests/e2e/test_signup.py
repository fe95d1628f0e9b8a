"""Someone who wants to organize signs up from the event form and comes back to it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from allout.models import OutboxEmail
from tests.events.factories import make_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_signing_up_from_the_event_form_and_confirming_the_email_leads_back_to_it(
    live_server, page
):
    make_campaign()
    page.goto(live_server.url + "/events/new/")
    page.get_by_role("link", name="sign up").click()
    page.get_by_label("Email").fill("new.organizer@example.org")
    page.get_by_label("Password:", exact=True).fill("a-long-pass-123")
    page.get_by_label("Password (again):").fill("a-long-pass-123")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    row = OutboxEmail.objects.get(to="new.organizer@example.org")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", row.body_text).group()
    page.goto(live_server.url + "/accounts/" + link.split("/accounts/", 1)[1])
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(live_server.url + "/events/new/")
    expect(page.get_by_role("heading", name="Organize a protest")).to_be_visible()
