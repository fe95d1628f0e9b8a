"""SPEC's safety and privacy rules, checked across the whole platform on the demo data.

Each app tests its own rules closely (tests/events, tests/petitions); these tests look at
everything a stranger can reach at once, so a new page or email cannot slip past a rule.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from allout.cache import redis_client
from events.models import Attendance, Event
from petitions.models import Petition, Signature
from tests.conftest import ROOT
from tests.outbox import rendered

pytestmark = pytest.mark.django_db

RESOURCE_ATTRIBUTES = {"script": "src", "img": "src", "iframe": "src", "link": "href"}


class Resources(HTMLParser):
    """Every resource a page makes the browser fetch (not plain links people may follow)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.style_attributes = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = RESOURCE_ATTRIBUTES.get(tag)
        # hreflang alternates name this site's pages in full, for search engines; not fetched.
        alternate = tag == "link" and attributes.get("rel") == "alternate"
        if name and attributes.get(name) and not alternate:
            self.urls.append(attributes[name])
        if (
            tag == "script"
            and not attributes.get("src")
            and attributes.get("type") != "application/json"
        ):
            self.inline_scripts += 1
        if "style" in attributes:
            self.style_attributes += 1


@pytest.fixture
def demo() -> None:
    call_command("load_demo", stdout=io.StringIO())


def public_pages() -> list[str]:
    petition = Petition.objects.get()
    hidden = Event.objects.public().filter(hide_exact_location=True).first()
    visible = Event.objects.public().filter(hide_exact_location=False).first()
    assert hidden is not None and visible is not None, "the demo has both kinds of event"
    return [
        "/",
        "/privacy/",
        "/events/",
        "/events/?q=London",
        "/events/?q=Cambridge",
        "/events/recap/",
        hidden.get_absolute_url(),
        visible.get_absolute_url(),
        f"{visible.get_absolute_url()}rsvp/",
        f"{visible.get_absolute_url()}contact/",
        f"/petitions/{petition.slug}/",
        f"/petitions/{petition.slug}/embed/",
        "/accounts/login/",
        "/accounts/signup/",
    ]


def test_public_pages_load_nothing_from_other_sites(client, demo):
    """No third-party scripts, fonts, trackers or CDNs; no inline code for the CSP to allow."""
    for path in public_pages():
        response = client.get(path)
        assert response.status_code == 200, path
        page = Resources()
        page.feed(response.content.decode())
        assert page.urls, path
        assert all(url.startswith("/") and not url.startswith("//") for url in page.urls), (
            path,
            page.urls,
        )
        assert page.inline_scripts == 0 and page.style_attributes == 0, path
        # Directive by directive: django-csp writes them in set order, which varies by run.
        csp = dict(
            part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
        )
        assert csp["script-src"] == "'self'" and csp["default-src"] == "'self'", path


def test_no_public_page_shows_a_participant_or_signer(client, demo):
    """Participants' names and emails and signers' emails reach only organizers and staff."""
    attendances = list(Attendance.objects.select_related("event"))
    signatures = list(Signature.objects.all())
    assert attendances and signatures
    emails = {a.email for a in attendances} | {s.email for s in signatures}
    pages = public_pages() + [e.get_absolute_url() for e in Event.objects.public()]
    for path in pages:
        html = client.get(path).content.decode()
        leaked = [email for email in emails if email in html]
        assert not leaked, (path, leaked)
    for attendance in attendances:
        html = client.get(attendance.event.get_absolute_url()).content.decode()
        assert not re.search(rf"\b{re.escape(attendance.first_name)}\b", html), attendance
    # Organizers' emails neither: people reach them through the relay form.
    for event in Event.objects.public().select_related("organizer"):
        assert event.organizer.email not in client.get(event.get_absolute_url()).content.decode()


def test_no_raw_ip_address_is_stored_anywhere(client, demo):
    """Rate limits key on a keyed hash, in the cache; no table or cache key holds an address."""
    address = "203.0.113.77"
    event = Event.objects.public().first()
    petition = Petition.objects.get()
    posts = [
        (f"{event.get_absolute_url()}rsvp/", {"first_name": "Ira", "email": "ira@example.org"}),
        (f"{event.get_absolute_url()}report/", {"reason": "wrong", "text": "Wrong time"}),
        (
            f"{event.get_absolute_url()}contact/",
            {"name": "Ira", "email": "ira@example.org", "message": "Is it step-free?"},
        ),
        (
            f"/petitions/{petition.slug}/sign/",
            {
                "first_name": "Ira",
                "last_name": "K",
                "email": "ira@example.org",
                "country": "DE",
            },
        ),
        ("/accounts/login/", {"login": "nobody@example.org", "password": "wrong-password"}),
        (
            "/accounts/signup/",
            {
                "email": "ira@example.org",
                "password1": "a-long-pass-123",
                "password2": "a-long-pass-123",
            },
        ),
    ]
    for path, data in posts:
        response = client.post(path, data, REMOTE_ADDR=address)
        assert response.status_code in {200, 302}, (path, response.status_code)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(
                f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE %s',  # noqa: S608
                [f"%{address}%"],
            )
            assert cursor.fetchone()[0] == 0, table
    redis = redis_client()
    for key in redis.scan_iter("*"):
        assert address.encode() not in key
        if redis.type(key) == b"string":
            assert address.encode() not in (redis.get(key) or b""), key


def test_every_email_carries_a_link_to_cancel_or_unsubscribe(demo):
    """Each message template extends the base layout, whose footer holds both links."""
    folder = ROOT / "templates" / "emails"
    bodies = [
        path
        for path in folder.glob("*.*")
        if not path.name.endswith("_subject.txt") and path.stem != "base"
    ]
    assert len(bodies) > 20
    for path in bodies:
        text = path.read_text()
        expected = f'{{% extends "emails/base{path.suffix}" %}}'
        included = (
            "{% include" in text or path.stem.endswith("_details") or path.stem == "event_summary"
        )
        assert expected in text or included, path.name
    account = Path(ROOT / "templates" / "account" / "email" / "base_message.txt").read_text()
    assert "data_url" in account
    for row in rendered().all():
        assert "/my-data/" in row.body_text and "/my-data/" in row.body_html, row.kind
        assert row.headers["List-Unsubscribe"].startswith("<http"), row.kind


def test_high_risk_signers_are_never_listed(client, demo):
    petition = Petition.objects.get()
    russian = Signature.objects.filter(petition=petition, show_publicly=True).first()
    Signature.objects.filter(pk=russian.pk).update(country="RU", first_name="Vanya")
    cache.clear()
    html = client.get(f"/petitions/{petition.slug}/").content.decode()
    assert "Vanya" not in html and "Russia" in html  # named in the notice, never as a signer
