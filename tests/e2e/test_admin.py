"""A moderator corrects an event's time in the admin, reading the clocks of the event's city."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import Page, expect

from events.models import Event
from tests.conftest import make_user
from tests.e2e.test_event_journey import log_in, totp_code
from tests.events.factories import local, make_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "JBSWY3DPEHPK3PXPADMINTIMESAAAAAA"


def log_in_as_moderator(page: Page, base: str) -> None:
    moderator = make_user("moderator@example.org", is_staff=True, is_superuser=True)
    TOTP.activate(moderator, SECRET)
    log_in(page, base, "moderator@example.org")
    page.locator("input[name=code]").fill(totp_code(SECRET))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def test_a_moderator_reads_and_types_the_rio_event_in_rio_time(live_server, page):
    # Rio de Janeiro, 11:00 to 13:00 local (14:00 to 16:00 UTC).
    event = make_event(place="sao-paulo", lat=-22.970722, lng=-43.182365, city="Rio de Janeiro")
    day = event.campaign.date
    Event.objects.filter(pk=event.pk).update(
        starts_at=local(day, "11:00", "America/Sao_Paulo"),
        ends_at=local(day, "13:00", "America/Sao_Paulo"),
    )
    log_in_as_moderator(page, live_server.url)

    page.goto(f"{live_server.url}/admin/events/event/{event.pk}/change/")
    expect(page.locator("#id_starts_at_1")).to_have_value("11:00:00")
    expect(page.locator("#id_ends_at_1")).to_have_value("13:00:00")
    expect(page.locator(".field-starts_at")).to_contain_text(
        "America/Sao_Paulo, UTC\N{MINUS SIGN}03:00"
    )

    page.locator("#id_ends_at_1").fill("13:30:00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    event.refresh_from_db()
    assert event.starts_at == local(day, "11:00", "America/Sao_Paulo")
    assert event.ends_at == local(day, "13:30", "America/Sao_Paulo")
