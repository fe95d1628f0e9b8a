"""A partner site pastes the code the petition page or the finder offers: the frame fits the
widget (the Sign button, the map and its list), and only the platform's widget may resize it."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.conftest import free_port
from tests.events.factories import make_campaign, make_event
from tests.petitions.conftest import make_petition
from tests.waiting import wait_until

WIDGET = "iframe[src*='/embed/'] >> nth=0"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class PartnerSite:
    """Another origin (127.0.0.1 on its own port; the live server is on localhost) serving
    the pages the test sets, by path."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                content = site.pages.get(self.path, "").encode()
                self.send_response(200 if self.path in site.pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def partner() -> Iterator[PartnerSite]:
    site = PartnerSite()
    yield site
    site.server.shutdown()
    site.server.server_close()


def offered_code(page, url: str, snippet: str = "#embed-snippet") -> str:
    page.goto(url)
    return page.locator(snippet).input_value()


def frame_heights(page, widget: str = WIDGET) -> tuple[int, int]:
    """The frame's inside height on the partner's page, and its content's height."""
    outer = page.locator(widget).evaluate("frame => frame.clientHeight")
    inner = (
        page.frame_locator(widget)
        .locator("html")
        .evaluate("root => Math.ceil(root.getBoundingClientRect().height)")
    )
    return outer, inner


def test_the_pasted_frame_fits_the_widget_and_ignores_other_origins(
    live_server, page, settings, partner
):
    settings.SITE_URL = live_server.url
    assert "localhost" in live_server.url  # so the partner, on 127.0.0.1, is another origin
    petition = make_petition()
    code = offered_code(page, f"{live_server.url}/petitions/{petition.slug}/")
    assert f'<script src="{live_server.url}/static/js/embed-resize.js">' in code
    partner.pages["/"] = f"<!doctype html><title>Partner</title><h1>Sign with us</h1>{code}"
    partner.pages["/hostile"] = (
        "<!doctype html><title>Hostile</title><script>parent.postMessage({type: "
        f'"allout:embed-height", height: 40, widget: "petition:{petition.slug}"}}, "*")</script>'
    )
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.set_viewport_size({"width": 800, "height": 700})
    page.goto(partner.url)
    # The snippet's frame loads lazily, after the partner's page: measure once it has.
    widget = page.frame_locator(WIDGET)
    sign = widget.get_by_role("button", name="Sign the petition")
    expect(sign).to_be_visible(timeout=10_000)
    wait_until(lambda: (lambda h: h[0] == h[1])(frame_heights(page)), timeout=10)
    outer, inner = frame_heights(page)
    assert outer != 900  # the snippet's first guess gave way to the widget's height
    # The whole widget shows: the frame has nothing to scroll, the button sits inside it.
    assert widget.locator("html").evaluate("root => root.scrollHeight <= root.clientHeight")
    button = sign.bounding_box()
    box = page.locator(WIDGET).bounding_box()
    assert box["y"] <= button["y"] and button["y"] + button["height"] <= box["y"] + box["height"]

    # Content that grows makes the frame follow (not the high-risk notice, which keeps its
    # place so the height tells the partner nothing: tests/e2e/test_embed_privacy.py).
    widget.locator("form").first.evaluate(
        "form => form.insertAdjacentHTML('afterend', '<p style=\"height: 300px\">More</p>')"
    )
    wait_until(lambda: frame_heights(page)[0] > outer, timeout=10)
    outer, inner = frame_heights(page)
    assert outer == inner

    # The partner's page itself, or a frame from another origin, cannot resize it, not even
    # for an instant (the widget would report again at once and undo it).
    page.evaluate(
        """() => {
            window.heightsSet = [];
            new MutationObserver(changes => changes.forEach(
                change => window.heightsSet.push(change.target.style.height)
            )).observe(document.body, {subtree: true, attributeFilter: ["style"]});
        }"""
    )
    page.evaluate(
        """slug => window.postMessage(
            {type: "allout:embed-height", height: 40, widget: "petition:" + slug}, "*"
        )""",
        petition.slug,
    )
    page.evaluate(
        """([url, slug]) => new Promise(done => {
            const frame = document.createElement("iframe");
            frame.srcdoc = `<script>parent.postMessage({type: "allout:embed-height",
                height: 40, widget: ${JSON.stringify("petition:" + slug)}}, "*")<\\/script>`;
            frame.onload = () => setTimeout(done, 300);
            document.body.append(frame);
        })""",
        [live_server.url, petition.slug],
    )
    # A frame whose src names our widget, but which now shows a page of another origin.
    page.evaluate(
        """([src, hostile]) => new Promise(done => {
            const frame = document.createElement("iframe");
            frame.src = src;
            frame.onload = () => {
                frame.onload = () => setTimeout(done, 300);
                frame.contentWindow.location = hostile;
            };
            document.body.append(frame);
        })""",
        [f"{live_server.url}/petitions/{petition.slug}/embed/", f"{partner.url}/hostile"],
    )
    assert frame_heights(page) == (outer, inner)
    assert "40px" not in page.evaluate("window.heightsSet")
    assert errors == []


MAP = "iframe[src*='/events/embed/map/']"


def test_the_pasted_map_shows_the_countrys_events_and_fits_its_frame(
    live_server, page, settings, partner
):
    settings.SITE_URL = live_server.url
    campaign = make_campaign()
    make_event(campaign=campaign, title="Vigil by the river", hide_exact_location=True)
    make_event(campaign=campaign, title="Picnic in the park", lat=51.52, lng=-0.15)
    make_event(campaign=campaign, place="new-york", title="Rally in New York")
    code = offered_code(page, f"{live_server.url}/events/?q=United+Kingdom", "#embed-map-snippet")
    assert f'<iframe src="{live_server.url}/events/embed/map/?country=GB"' in code
    partner.pages["/"] = f"<!doctype html><title>Partner</title><h1>Protests</h1>{code}"
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Every request to the platform succeeds (the partner's own favicon.ico is its business).
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.url.startswith(live_server.url)
            else None
        ),
    )

    page.set_viewport_size({"width": 800, "height": 700})
    page.goto(partner.url)
    embedded = page.frame_locator(MAP)
    embedded_map = embedded.locator("[data-finder-map]")
    expect(embedded_map).to_have_attribute("data-ready", "true", timeout=10_000)
    # The United Kingdom's two events, clustered at the country's zoom, and not New York's.
    assert embedded_map.get_attribute("data-markers") == "2"
    expect(embedded.locator(".marker-cluster, .finder-marker").first).to_be_visible()
    links = embedded.locator(".finder-item-title a")
    expect(links).to_have_count(2)
    assert sorted(links.all_inner_texts()) == ["Picnic in the park", "Vigil by the river"]
    for link in links.all():
        assert link.get_attribute("href").startswith(f"{live_server.url}/events/")
        assert link.get_attribute("target") == "_blank"

    wait_until(lambda: (lambda h: h[0] == h[1])(frame_heights(page, MAP)), timeout=10)
    outer, inner = frame_heights(page, MAP)
    assert outer != 700  # the snippet's first guess gave way to the map and its list
    assert embedded.locator("html").evaluate("root => root.scrollHeight <= root.clientHeight")
    last = embedded.locator(".embed-more a").bounding_box()
    box = page.locator(MAP).bounding_box()
    assert last["y"] + last["height"] <= box["y"] + box["height"]  # the list shows whole

    # Another script on the partner's page cannot resize it.
    page.evaluate(
        """() => window.postMessage(
            {type: "allout:embed-height", height: 40, widget: "events-map"}, "*"
        )"""
    )
    page.wait_for_timeout(300)
    assert frame_heights(page, MAP) == (outer, inner)
    assert errors == []
