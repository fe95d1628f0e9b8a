import re

import pytest

from tests.events.factories import make_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rsvp_confirm_by_email_and_see_the_count_go_up(live_server, page, celery_worker, mailbox):
    event = make_event(hide_exact_location=True, meeting_point="Behind the blue kiosk")
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server.url + event.get_absolute_url())
    assert page.locator(".going-count").inner_text() == "0"
    assert "Behind the blue kiosk" not in page.content()
    page.get_by_label("First name").fill("Masha")
    page.get_by_label("Email").fill("masha@example.org")
    page.get_by_label("The organizer may contact me about this event").check()
    page.get_by_role("button", name="Sign up to attend").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()

    (message,) = mailbox.wait_for(lambda msgs: len(msgs) == 1)
    text = message.get_body(("plain",)).get_content()
    confirm_url = next(u for u in re.findall(r"https?://\S+", text) if "/confirm/" in u)
    page.goto(live_server.url + "/" + confirm_url.split("/", 3)[3])
    page.get_by_role("button", name="Confirm").click()

    assert page.get_by_text("You are going.").is_visible()
    assert page.locator(".meeting-point").inner_text() == "Behind the blue kiosk"
    page.wait_for_selector(".map .leaflet-interactive")  # the meeting point is on the map

    page.goto(live_server.url + event.get_absolute_url())
    assert page.locator(".going-count").inner_text() == "1"
    assert errors == []
