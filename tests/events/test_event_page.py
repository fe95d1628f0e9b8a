"""The public event page: who sees it, what it shows, and the report form."""

from __future__ import annotations

import re

import pytest

from allout import risk
from events.models import Event, EventReport
from tests.conftest import make_user
from tests.events.factories import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(campaign, organizer) -> Event:
    return make_event(
        campaign=campaign, organizer=organizer, slug="pending", status=Event.Status.PENDING
    )


def test_a_pending_event_is_a_404_to_the_public(client, pending):
    assert client.get("/events/pending/").status_code == 404
    assert client.get("/events/pending/calendar.ics").status_code == 404
    client.force_login(make_user("stranger@example.org"))
    assert client.get("/events/pending/").status_code == 404


@pytest.mark.parametrize("status", [Event.Status.REJECTED, Event.Status.CANCELLED])
def test_rejected_and_cancelled_events_are_404s_to_the_public(client, campaign, organizer, status):
    make_event(campaign=campaign, organizer=organizer, slug="gone", status=status)
    assert client.get("/events/gone/").status_code == 404


def test_the_organizer_sees_their_pending_event_with_a_banner(client, organizer, pending):
    client.force_login(organizer)
    response = client.get("/events/pending/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Waiting for review." in html and "Only you and the moderators" in html
    assert 'href="/events/pending/edit/"' in html
    assert 'action="/events/pending/report/"' not in html  # nothing to report or share yet


def test_staff_see_a_pending_event_with_a_link_to_the_admin(client, staff_user, pending):
    client.force_login(staff_user)
    html = client.get("/events/pending/").content.decode()
    assert "Waiting for review." in html
    assert f'href="/admin/events/event/{pending.pk}/change/"' in html


def test_the_organizer_reads_the_rejection_reason_on_the_page(
    client, organizer, staff_user, pending
):
    from events.services import moderation

    moderation.reject_event(pending, staff_user, "Please give a precise meeting point.")
    client.force_login(organizer)
    html = client.get("/events/pending/").content.decode()
    assert "Not approved." in html and "Please give a precise meeting point." in html


def test_the_public_page_shows_local_time_with_its_zone(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, slug="sp", place="sao-paulo")
    html = client.get("/events/sp/").content.decode()
    when = "Monday 16 March 2099, 14:00\N{EN DASH}16:00"
    assert f'<time datetime="2099-03-16T14:00:00-03:00">{when}</time>' in html
    assert "Local time (America/Sao_Paulo, UTC\N{MINUS SIGN}03:00)" in html


def test_the_public_page_shows_place_description_and_organizer_name(client, campaign, organizer):
    make_event(
        campaign=campaign,
        organizer=organizer,
        slug="open",
        description="Bring **flags**. [Petition](https://example.org/petition)",
        accessibility="Step-free.",
        what_to_bring="Water.",
        expected_size=120,
    )
    html = client.get("/events/open/").content.decode()
    assert "By the fountain" in html and "1 Main Square" in html
    assert "Bring <strong>flags</strong>." in html
    assert '<a href="https://example.org/petition" rel="nofollow noopener">Petition</a>' in html
    assert "Organized by Solidarity collective" in html
    assert "Step-free." in html and "Water." in html and "About 120 people" in html
    assert re.search(r"<strong class=\"going-count\">0</strong>\s*going", html)
    assert 'href="/events/open/calendar.ics"' in html


def test_a_hidden_location_shows_only_the_city_and_an_approximate_point(
    client, campaign, organizer
):
    event = make_event(
        campaign=campaign, organizer=organizer, slug="hidden", hide_exact_location=True
    )
    html = client.get("/events/hidden/").content.decode()
    assert "London, United Kingdom" in html
    assert "By the fountain" not in html and "1 Main Square" not in html
    assert f'data-lat="{event.approximate_point.y:.6f}"' in html
    assert f"{event.point.y:.6f}" not in html and f"{event.point.x:.6f}" not in html
    assert 'data-area-m="1000"' in html  # the area that holds the exact point


def test_the_organizer_sees_their_hidden_meeting_point(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, slug="hidden", hide_exact_location=True)
    client.force_login(organizer)
    html = client.get("/events/hidden/").content.decode()
    assert "Only you and the moderators see this" in html and "By the fountain" in html


def test_the_organizers_email_is_never_shown(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, slug="open")
    assert "organizer@example.org" not in client.get("/events/open/").content.decode()
    assert b"organizer@example.org" not in client.get("/events/open/calendar.ics").content


def test_the_event_page_takes_one_query(client, campaign, organizer, django_assert_num_queries):
    make_event(campaign=campaign, organizer=organizer, slug="open", embassy=None)
    risk.high_risk_countries()  # read once and kept (allout.risk), as every process does
    with django_assert_num_queries(1):
        assert client.get("/events/open/").status_code == 200


def test_the_event_page_takes_three_queries_for_its_organizer(
    client, campaign, organizer, django_assert_num_queries
):
    make_event(campaign=campaign, organizer=organizer, slug="open")
    client.force_login(organizer)
    risk.high_risk_countries()  # read once and kept (allout.risk), as every process does
    with django_assert_num_queries(3):  # session, user, event
        assert client.get("/events/open/").status_code == 200


def test_share_links_are_plain_links_and_every_script_is_ours(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, slug="open", title="Rally & vigil")
    html = client.get("/events/open/").content.decode()
    assert (
        "mailto:?subject=Rally%20%26%20vigil&amp;body=http%3A%2F%2F127.0.0.1%3A8000%2Fevents%2Fopen%2F"
        in html
    )
    assert 'href="https://wa.me/?text=Rally%20%26%20vigil%20http%3A%2F%2F' in html
    assert 'value="http://127.0.0.1:8000/events/open/" readonly' in html
    scripts = re.findall(r"<script[^>]*>", html)
    # Our static files, and Django's catalog of their strings (allout.views.javascript_catalog).
    assert scripts and all(re.search(r'src="/(static|jsi18n)/', tag) for tag in scripts)
    assert " style=" not in html


def test_a_report_is_stored_without_anything_about_the_reporter(client, campaign, organizer):
    event = make_event(campaign=campaign, organizer=organizer, slug="open")
    response = client.post(
        "/events/open/report/",
        {"reason": EventReport.Reason.FAKE, "text": "This looks like a trap."},
        REMOTE_ADDR="203.0.113.9",
        follow=True,
    )
    assert response.redirect_chain == [("/events/open/", 302)]
    assert "Thank you for telling us." in response.content.decode()
    report = EventReport.objects.get()
    assert (report.event, report.reason, report.text) == (event, "fake", "This looks like a trap.")
    assert report.status == EventReport.Status.OPEN
    stored = " ".join(str(value) for value in EventReport.objects.values().get().values())
    assert "203.0.113" not in stored


def test_a_report_without_a_reason_comes_back_with_an_error(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, slug="open")
    response = client.post("/events/open/report/", {"reason": "", "text": "?"})
    assert response.status_code == 400
    assert response.context["report_form"].errors["reason"]
    assert "<details open>" in response.content.decode()
    assert not EventReport.objects.exists()


def test_reports_are_rate_limited(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, slug="open")
    statuses = [
        client.post("/events/open/report/", {"reason": "other"}).status_code for _ in range(6)
    ]
    assert statuses == [302] * 5 + [429]
    assert EventReport.objects.count() == 5


def test_only_public_events_can_be_reported(client, pending):
    assert client.post("/events/pending/report/", {"reason": "other"}).status_code == 404
    assert client.get("/events/pending/report/").status_code == 405


def test_the_abuse_form_and_the_outcome_are_labelled_by_headings_of_their_own(
    client, campaign, organizer
):
    event = make_event(campaign=campaign, organizer=organizer, turnout=40, report_text="Loud.")
    Event.objects.filter(pk=event.pk).update(reported_at=event.starts_at)
    html = client.get(event.get_absolute_url()).content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    abuse_form = html.split('id="report"', 1)[1].split("</section>", 1)[0]
    assert 'id="outcome-heading"' not in abuse_form
