import pytest

from allout.models import Campaign

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_shows_the_three_calls_to_action_without_console_errors(live_server, page):
    Campaign.objects.create(name="Global day of action", slug="doa", date="2099-03-16")
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="Global day of action").is_visible()
    for name in ["Find a protest near you", "Organize a protest", "Sign the petition"]:
        assert page.get_by_role("link", name=name).last.is_visible()
    assert "days to go" in page.locator(".countdown").inner_text()
    assert errors == []
