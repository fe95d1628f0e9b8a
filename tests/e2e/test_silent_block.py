"""A blocked person signing up in the browser sees what anyone sees; nothing is kept."""

import pytest

from allout.models import BlockedAddress, OutboxEmail
from events.models import Attendance
from tests.events.factories import make_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_up(page, url: str, email: str) -> str:
    page.goto(url)
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign up to attend").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    return page.locator("main").inner_text()


def test_a_blocked_persons_rsvp_in_the_browser_looks_like_anyones(live_server, page):
    event = make_event()
    BlockedAddress.objects.create(kind=BlockedAddress.Kind.DOMAIN, value="trolls.example")
    url = live_server.url + event.get_absolute_url()

    blocked = sign_up(page, url, "someone@trolls.example")
    welcome = sign_up(page, url, "someone@example.org")

    assert blocked == welcome
    assert list(Attendance.objects.values_list("email", flat=True)) == ["someone@example.org"]
    assert list(OutboxEmail.objects.values_list("to", flat=True)) == ["someone@example.org"]
    page.goto(url)
    assert page.locator(".going-count").inner_text() == "0"
