"""Every link on the main pages leads somewhere, for the person the page is meant for.

A link that reverses the wrong URL name, or points at a POST-only view, shows up as a
blank 404 or 405 to the very person it was made for; no page-by-page test notices.
"""

from __future__ import annotations

import datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from events import attendance_links
from events.models import Event
from tests.events.factories import make_attendance, make_event, make_organizer
from tests.petitions.conftest import make_petition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open_petition(db) -> None:
    """The navigation's "Sign the petition" leads to the open petition; the site has one."""
    make_petition()


class Links(HTMLParser):
    """The targets of a page's links and of its GET forms (a form's default method)."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.targets.append(attributes["href"] or "")
        elif tag == "form" and (attributes.get("method") or "get").lower() == "get":
            self.targets.append(attributes.get("action") or "")  # no action: the page itself


def same_site_links(html: str, page: str, *, staff: bool = False) -> list[str]:
    """The paths (with query) of the page's links that stay on this site, each once."""
    parser = Links()
    parser.feed(html)
    ours = {"testserver", urlsplit(settings.SITE_URL).netloc}
    paths = set()
    for target in parser.targets:
        if target.startswith("#"):
            continue
        url = urlsplit(urljoin(f"http://testserver{page}", target))
        if url.scheme not in ("http", "https") or url.netloc not in ours:
            continue  # mailto:, tel:, share links to other sites
        if url.path.startswith("/admin/") and not staff:
            continue
        paths.add(urlunsplit(("", "", url.path, url.query, "")))
    return sorted(paths)


def broken_links(client: Client, page: str, *, staff: bool = False) -> list[tuple[str, int]]:
    """Each link on `page` that answers a GET with a 4xx or 5xx (redirects followed)."""
    response = client.get(page)
    assert response.status_code == 200, page
    links = same_site_links(response.content.decode(), page, staff=staff)
    assert links, f"no links found on {page}"
    broken = []
    for path in links:
        status = client.get(path, follow=True).status_code
        if status >= 400:
            broken.append((path, status))
    return broken


@pytest.fixture
def upcoming_event() -> Event:
    event = make_event(organizer=make_organizer(), title="Vigil at the embassy")
    make_attendance(event, status="confirmed")
    make_attendance(event, status="confirmed", consent_organizer=True)
    make_attendance(event)
    return event


@pytest.fixture
def event_that_is_over(settings, tmp_path) -> Event:
    settings.MEDIA_ROOT = tmp_path
    start = timezone.now() - datetime.timedelta(days=1)
    event = make_event(
        organizer=make_organizer(), starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    make_attendance(event, status="confirmed")
    return event


def test_every_link_on_the_home_page_works_for_a_visitor(client, upcoming_event):
    assert broken_links(client, "/") == []


def test_every_link_on_an_event_page_works_for_a_visitor(client, upcoming_event):
    assert broken_links(client, upcoming_event.get_absolute_url()) == []


def test_every_link_on_an_event_page_works_for_its_organizer(client, upcoming_event):
    client.force_login(upcoming_event.organizer)
    assert broken_links(client, upcoming_event.get_absolute_url()) == []


def test_every_link_on_a_participants_own_page_works_for_them(client, upcoming_event):
    participant = make_attendance(upcoming_event, status="confirmed")
    page = attendance_links.path(participant, attendance_links.Purpose.VIEW)
    assert broken_links(client, page) == []


def test_every_link_on_the_dashboard_of_an_upcoming_event_works_for_its_organizer(
    client, upcoming_event
):
    client.force_login(upcoming_event.organizer)
    assert broken_links(client, f"/events/mine/{upcoming_event.slug}/") == []


def test_every_link_on_the_dashboard_of_an_event_that_is_over_works_for_its_organizer(
    client, event_that_is_over
):
    client.force_login(event_that_is_over.organizer)
    page = f"/events/mine/{event_that_is_over.slug}/"
    html = client.get(page).content.decode()
    assert "Tell how it went" in html  # the link this page exists for after the day
    assert broken_links(client, page) == []


def test_the_link_finder_keeps_same_site_links_and_gets_and_skips_the_rest():
    html = """
        <a href="/events/">finder</a> <a href="rsvp/?x=1#form">relative</a>
        <a href="http://127.0.0.1:8000/privacy/">absolute, ours</a>
        <a href="https://wa.me/?text=hi">share</a> <a href="mailto:?subject=hi">mail</a>
        <a href="#top">top</a> <a href="/admin/">staff only</a>
        <form action="/events/"></form> <form method="post" action="/events/x/rsvp/"></form>
        <form method="GET"></form>
    """
    assert same_site_links(html, "/events/x/") == [
        "/events/",
        "/events/x/",
        "/events/x/rsvp/?x=1",
        "/privacy/",
    ]
    assert "/admin/" in same_site_links(html, "/events/x/", staff=True)
