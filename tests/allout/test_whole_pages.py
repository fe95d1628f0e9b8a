"""Whole pages cached for visitors with no session (allout.pages): one rendering, and each
visitor's own tokens filled into it; never a page of someone logged in."""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, RequestFactory

from allout import antibot, pages
from events.access import page_name
from events.models import EventReport
from events.services import rsvp
from petitions.models import Signature
from tests.conftest import log_in_with_two_factor
from tests.events.factories import make_attendance, make_campaign, make_event, make_organizer
from tests.petitions.conftest import make_petition, sign_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):
    return make_campaign(name="Day of action")


@pytest.fixture
def organizer(db):
    return make_organizer(email="organizer@example.org")


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED = re.compile(rf'name="{antibot.STARTED_NAME}" value="([^"]+)"')


def test_each_visitor_of_a_cached_page_gets_a_working_csrf_token_and_their_own_fill_time(
    settings,
):
    settings.FORM_MIN_FILL_SECONDS = 0
    petition = make_petition()
    first = Client().get(petition.get_absolute_url()).content.decode()
    time.sleep(1.1)
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(petition.get_absolute_url())
    second = response.content.decode()
    assert pages.hole("csrf") is None and "__allout_hole_" not in second
    assert CSRF.search(first)[1] != CSRF.search(second)[1]
    # The time the form was shown is this visitor's, not the first rendering's.
    assert antibot.seconds_since(STARTED.search(second)[1]) < 1.0
    assert antibot.seconds_since(STARTED.search(first)[1]) > 1.0
    assert settings.CSRF_COOKIE_NAME in response.cookies
    signed = visitor.post(
        f"/petitions/{petition.slug}/sign/",
        sign_form(
            csrfmiddlewaretoken=CSRF.search(second)[1],
            **{antibot.STARTED_NAME: STARTED.search(second)[1]},
        ),
    )
    assert signed.status_code == 302
    assert Signature.objects.filter(email="anna@example.org").exists()


def test_the_source_of_each_visitors_link_is_theirs_and_escaped(client):
    petition = make_petition()
    url = petition.get_absolute_url()
    assert 'name="source" value=""' in client.get(url).content.decode()
    html = Client().get(url, {"source": "newsletter-march"}).content.decode()
    assert 'name="source" value="newsletter-march"' in html
    html = Client().get(url, {"utm_source": '"><script>'}).content.decode()
    assert "<script>" not in html.split("<main", 1)[1].split("</form>", 1)[0]
    assert 'name="source" value=""' in html
    # The language switcher sends each visitor back to their own address.
    assert 'name="next" value="/petitions/' in html and "utm_source=%22%3E%3Cscript%3E" in html


def test_a_hidden_meeting_point_never_reaches_the_cached_page(client, campaign, organizer):
    event = make_event(campaign=campaign, organizer=organizer, hide_exact_location=True)
    url = event.get_absolute_url()
    client.force_login(organizer)
    assert "By the fountain" in client.get(url).content.decode()  # the organizer's own
    for _ in range(2):
        assert "By the fountain" not in Client().get(url).content.decode()
    assert "By the fountain" in client.get(url).content.decode()  # not a stranger's page


def test_staff_see_their_own_page_after_a_stranger_cached_it(
    client, campaign, organizer, staff_user
):
    event = make_event(campaign=campaign, organizer=organizer, hide_exact_location=True)
    assert "By the fountain" not in Client().get(event.get_absolute_url()).content.decode()
    log_in_with_two_factor(client, staff_user)
    assert "By the fountain" in client.get(event.get_absolute_url()).content.decode()


def test_a_visitor_with_a_message_waiting_gets_it(client, campaign, organizer):
    event = make_event(campaign=campaign, organizer=organizer)
    Client().get(event.get_absolute_url())  # cached now
    client.post(
        f"/events/{event.slug}/report/", {"reason": EventReport.Reason.FAKE, "text": "x"}
    )  # answered with a message, kept in the message cookie
    assert "messages" in client.cookies
    html = client.get(event.get_absolute_url()).content.decode()
    assert "Thank you for telling us" in html


def test_other_parameters_are_rendered_and_not_kept(client, campaign, django_assert_num_queries):
    event = make_event(campaign=campaign)
    client.get(f"{event.get_absolute_url()}?x=1")
    with django_assert_num_queries(1):  # the event, again
        client.get(f"{event.get_absolute_url()}?x=1")
    assert pages.page_key(_request("/events/?q=London&x=1"), "finder") is None


def test_each_language_has_its_own_page(client, campaign):
    event = make_event(campaign=campaign)
    english = Client().get(event.get_absolute_url()).content.decode()
    russian = Client().get(f"/ru{event.get_absolute_url()}").content.decode()
    assert '<html lang="en">' in english and '<html lang="ru">' in russian


def test_a_page_is_dropped_when_staff_change_what_it_shows(
    client, campaign, django_capture_on_commit_callbacks
):
    event = make_event(campaign=campaign, title="First title")
    assert "First title" in client.get(event.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        event.title = "Second title"
        event.save()
    assert "Second title" in client.get(event.get_absolute_url()).content.decode()


def test_a_cached_page_still_says_it_depends_on_cookies(client, campaign):
    event = make_event(campaign=campaign)
    client.get(event.get_absolute_url())
    response = Client().get(event.get_absolute_url())
    assert "Cookie" in response["Vary"]


def _request(url: str):
    return RequestFactory().get(url)


def test_the_event_pages_count_follows_a_confirmation_at_once(
    campaign, django_capture_on_commit_callbacks
):
    event = make_event(campaign=campaign)
    attendance = make_attendance(event)
    count = re.compile(r'class="going-count">(\d+)<')
    assert count.search(Client().get(event.get_absolute_url()).content.decode())[1] == "0"
    with django_capture_on_commit_callbacks(execute=True):
        rsvp.confirm(attendance)
    assert count.search(Client().get(event.get_absolute_url()).content.decode())[1] == "1"
    with django_capture_on_commit_callbacks(execute=True):
        rsvp.cancel(attendance)
    assert count.search(Client().get(event.get_absolute_url()).content.decode())[1] == "0"


def test_one_request_renders_a_stale_page_again_while_the_others_are_served_it(
    campaign, django_assert_num_queries
):
    """No stampede when a page's time is up: whoever takes the refresh renders it, the
    others get the page a moment longer; then it is fresh for everyone."""
    event = make_event(campaign=campaign)
    url = event.get_absolute_url()
    Client().get(url)  # rendered and kept for COUNT_SECONDS
    key = pages._full_key(pages.page_key(_request(url), page_name(event.slug)), "en")
    later = time.time() + pages.COUNT_SECONDS + 0.5
    with time_machine.travel(later, tick=False):
        assert cache.add(pages._refresh_key(key), 1)  # another process is rendering it
        with django_assert_num_queries(0):
            assert Client().get(url).status_code == 200  # the stale page, at once
        cache.delete(pages._refresh_key(key))
        with django_assert_num_queries(1):  # this one takes the refresh: the event's query
            assert Client().get(url).status_code == 200
        with django_assert_num_queries(0):  # fresh again for everyone
            assert Client().get(url).status_code == 200
