"""Adding an event to Google Calendar or Outlook: plain links built on the server that carry
the title, the UTC times, the public place and the event's address, and never a hidden point."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from events.calendar import google_calendar_url, outlook_calendar_url
from tests.events.factories import make_event

pytestmark = pytest.mark.django_db

EVENT_URL = "http://127.0.0.1:8000/events/{slug}/"


def query_of(url: str) -> dict[str, str]:
    """The link's parameters, each given once."""
    params = parse_qs(urlsplit(url).query, strict_parsing=True)
    assert all(len(values) == 1 for values in params.values())
    return {name: values[0] for name, values in params.items()}


def test_the_google_link_carries_title_utc_times_place_and_address(campaign, organizer):
    # 14:00-16:00 in New York on 16 March 2099 (EDT, UTC-4) is 18:00-20:00 UTC.
    event = make_event(
        campaign=campaign, organizer=organizer, slug="ny", place="new-york", title="Rally & vigil"
    )
    url = google_calendar_url(event)
    assert url.startswith("https://calendar.google.com/calendar/render?")
    assert query_of(url) == {
        "action": "TEMPLATE",
        "text": "Rally & vigil",
        "dates": "20990316T180000Z/20990316T200000Z",
        "details": EVENT_URL.format(slug="ny"),
        "location": "By the fountain, 1 Main Square, New York, United States of America",
    }
    assert "Rally%20%26%20vigil" in url  # spaces as %20, the ampersand escaped


def test_the_outlook_link_carries_title_utc_times_place_and_address(campaign, organizer):
    event = make_event(campaign=campaign, organizer=organizer, slug="sp", place="sao-paulo")
    url = outlook_calendar_url(event)
    assert url.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert query_of(url) == {
        "rru": "addevent",
        "subject": "Solidarity protest",
        "startdt": "2099-03-16T17:00:00Z",
        "enddt": "2099-03-16T19:00:00Z",
        "body": EVENT_URL.format(slug="sp"),
        "location": "By the fountain, 1 Main Square, São Paulo, Brazil",
    }
    assert "+" not in url  # Outlook would show a '+' where a space was


@pytest.mark.parametrize("build", [google_calendar_url, outlook_calendar_url])
def test_the_links_of_a_hidden_event_name_only_the_city(campaign, organizer, build):
    event = make_event(
        campaign=campaign, organizer=organizer, slug="hidden", hide_exact_location=True
    )
    url = build(event)
    assert "London, United Kingdom" in query_of(url).values()
    assert "fountain" not in url and "Main" not in url
    for coordinate in (event.point.y, event.point.x):
        assert f"{coordinate:.3f}" not in url


def test_the_event_page_shows_both_links_beside_the_calendar_file(client, campaign, organizer):
    event = make_event(
        campaign=campaign, organizer=organizer, slug="hidden", hide_exact_location=True
    )
    html = client.get("/events/hidden/").content.decode()
    google = google_calendar_url(event).replace("&", "&amp;")
    outlook = outlook_calendar_url(event).replace("&", "&amp;")
    assert f'<a href="{google}" rel="noopener noreferrer">Add to Google Calendar</a>' in html
    assert f'<a href="{outlook}" rel="noopener noreferrer">Add to Outlook</a>' in html
    assert 'href="/events/hidden/calendar.ics"' in html
    assert "By the fountain" not in html and "1 Main Square" not in html


def test_the_links_are_translated(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, slug="open")
    html = client.get("/ru/events/open/").content.decode()
    assert "Добавить в Google Календарь" in html
