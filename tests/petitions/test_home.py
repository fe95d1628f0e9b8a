import re
import time

import pytest

from petitions import cache
from petitions.models import PetitionStatus
from tests.events.factories import make_event
from tests.petitions.conftest import make_petition, make_signature

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_petitions_live_count(client, monkeypatch):
    monkeypatch.setattr(cache, "LIVE_SECONDS", 1)
    petition = make_petition(goal=100_000)
    for _ in range(2):
        make_signature(petition, confirmed=True)
    html = client.get("/").content.decode()
    assert re.search(r'<strong class="petition-count">2</strong>\s*signatures of 100,000', html)
    assert '<progress class="progress-bar" value="2" max="100000"' in html
    make_signature(petition, confirmed=True)
    time.sleep(1.2)  # the count is cached for LIVE_SECONDS
    assert 'value="3" max="100000"' in client.get("/").content.decode()


def test_the_home_page_promotes_the_open_petition_over_a_newer_closed_one(client):
    open_petition = make_petition(goal=500)
    make_petition(goal=999, status=PetitionStatus.CLOSED)
    make_signature(open_petition, confirmed=True)
    assert 'value="1" max="500"' in client.get("/").content.decode()


def test_the_home_page_works_without_a_petition(client, db):
    html = client.get("/").content.decode()
    assert "<progress" not in html and 'href="/petitions/"' in html


def test_the_home_page_with_a_petition_takes_one_query_once_cached(
    client, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(cache, "LIVE_SECONDS", 600)  # no expiry between the two visits
    make_event()
    make_signature(make_petition(), confirmed=True)
    # The campaign, the events' numbers, which petition is promoted, the petition and its
    # targets, its live count and recent signers (with the high-risk list): all cached but
    # the campaign after the first visit (petitions.cache).
    with django_assert_num_queries(8):
        assert client.get("/").status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/").status_code == 200
