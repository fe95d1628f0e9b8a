"""Known XSS payloads in everything an organizer types come out inert.

Pages are parsed with html.parser (as a browser tokenizes them), not searched with regexes:
no script element of our own making, no on* attribute, no javascript: (or vbscript:, data:)
URL, no style attribute.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from events import emails
from events.models import Event
from tests.events.factories import make_event
from tests.outbox import rendered

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click]( javascript:alert(1) )",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  jav&#x09;ascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<video><source onerror="alert(1)"></video>',
    '<a href="#" onclick="alert(1)">x</a>',
    "{{ request }}{% csrf_token %}",
]

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class Inspector(HTMLParser):
    """Collects whatever could run: inline scripts, handlers, script URLs, styles."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        source = attributes.get("src") or ""
        if tag == "script" and not (source.startswith("/") and not source.startswith("//")):
            self.problems.append(f"script element {attrs}")
        if tag in {"iframe", "object", "embed", "base"}:
            self.problems.append(f"{tag} element")
        if tag == "form" and (attributes.get("action") or "").lower().startswith(BAD_SCHEMES):
            self.problems.append("form with a script action")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name} attribute on {tag}")
            if name == "style":
                self.problems.append(f"style attribute on {tag}")
            cleaned = "".join((value or "").split()).lower()
            if name in URL_ATTRIBUTES and cleaned.startswith(BAD_SCHEMES):
                self.problems.append(f"{name}={value!r} on {tag}")

    handle_startendtag = handle_starttag


def problems_in(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def test_the_inspector_catches_what_it_looks_for():
    dangerous = (
        '<script>x</script><img src=x onerror=y><a href=" JavaScript:y">'
        '<div style="x"><iframe src=x>'
    )
    assert len(problems_in(dangerous)) == 5


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_in_every_organizer_field_comes_out_inert(client, campaign, organizer, payload):
    event = make_event(
        campaign=campaign,
        organizer=organizer,
        slug="xss",
        title=payload[:200],
        description=f"Intro\n\n{payload}\n\n*end*",
        meeting_point=payload,
        address=payload,
        city=payload[:120],
        organizer_name=payload[:80],
        accessibility=payload,
        what_to_bring=payload,
    )
    page = client.get("/events/xss/").content.decode()
    assert problems_in(page) == []
    assert "Intro" in page

    client.force_login(organizer)  # the organizer's view shows more of the same fields
    assert problems_in(client.get("/events/xss/").content.decode()) == []
    assert problems_in(client.get("/events/xss/edit/").content.decode()) == []

    emails.event_received(event)
    emails.event_approved(event)
    rows = list(rendered())
    assert len(rows) == 2 and all(row.body_html for row in rows)
    for row in rows:
        # Our email layout has inline styles (mail clients need them); nothing else may.
        assert [p for p in problems_in(row.body_html) if not p.startswith("style attribute")] == []
        assert "\n" not in row.subject  # plain text, one header line


def test_every_payload_is_inert_in_the_moderation_queue(client, campaign, organizer, staff_user):
    for number, payload in enumerate(PAYLOADS):
        make_event(
            campaign=campaign,
            organizer=organizer,
            slug=f"xss-{number}",
            title=payload[:200],
            city=payload[:120],
            status=Event.Status.PENDING,
        )
    client.force_login(staff_user)
    html = client.get("/admin/events/event/").content.decode()
    assert html.count('href="/admin/events/event/') >= len(PAYLOADS)
    assert problems_in(html) == []
