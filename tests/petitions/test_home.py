import re
import time

import pytest

from allout import pages
from petitions import cache
from petitions.models import PetitionStatus
from tests.events.factories import make_event
from tests.petitions.conftest import make_petition, make_signature

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_petitions_live_count(client, monkeypatch):
    monkeypatch.setattr(cache, "LIVE_SECONDS", 1)
    monkeypatch.setattr(pages, "COUNT_SECONDS", 1)  # the whole page's, for visitors like this
    petition = make_petition(goal=100_000)
    for _ in range(2):
        make_signature(petition, confirmed=True)
    html = client.get("/").content.decode()
    assert re.search(r'<strong class="petition-count">2</strong>\s*signatures of 100,000', html)
    assert '<progress class="progress-bar" value="2" max="100000"' in html
    make_signature(petition, confirmed=True)
    time.sleep(1.2)  # the count and the page are cached for a second here
    assert 'value="3" max="100000"' in client.get("/").content.decode()


def test_the_home_page_promotes_the_open_petition_over_a_newer_closed_one(client):
    open_petition = make_petition(goal=500)
    make_petition(goal=999, status=PetitionStatus.CLOSED)
    make_signature(open_petition, confirmed=True)
    assert 'value="1" max="500"' in client.get("/").content.decode()


def test_the_home_page_works_without_a_petition(client, db):
    html = client.get("/").content.decode()
    assert "<progress" not in html and 'href="/petitions/"' in html


def test_the_home_page_with_a_petition_takes_no_query_once_cached(
    client, django_assert_num_queries, monkeypatch, django_user_model
):
    monkeypatch.setattr(cache, "LIVE_SECONDS", 600)  # no expiry between the visits
    monkeypatch.setattr(pages, "COUNT_SECONDS", 600)
    make_event()
    make_signature(make_petition(), confirmed=True)
    # The campaign, the events' numbers, which petition is promoted, the petition and its
    # targets, its live count and recent signers (with the high-risk list): all cached
    # after the first visit (petitions.cache), and the whole page for a visitor with no
    # session (allout.pages).
    with django_assert_num_queries(8):
        assert client.get("/").status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/").status_code == 200
    # Someone logged in gets the page rendered for them: only the campaign is read afresh
    # (then their session and their account).
    client.force_login(django_user_model.objects.create_user("someone", "someone@example.org"))
    with django_assert_num_queries(3):
        assert 'action="/accounts/logout/"' in client.get("/").content.decode()
