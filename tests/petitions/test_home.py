import re

import pytest

from petitions.models import PetitionStatus
from tests.events.factories import make_event
from tests.petitions.conftest import make_petition, make_signature

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_petitions_live_count(client):
    petition = make_petition(goal=100_000)
    for _ in range(2):
        make_signature(petition, confirmed=True)
    html = client.get("/").content.decode()
    assert re.search(r'<strong class="petition-count">2</strong>\s*signatures of 100,000', html)
    assert '<progress class="progress-bar" value="2" max="100000"' in html
    make_signature(petition, confirmed=True)
    assert 'value="3" max="100000"' in client.get("/").content.decode()


def test_the_home_page_promotes_the_open_petition_over_a_newer_closed_one(client):
    open_petition = make_petition(goal=500)
    make_petition(goal=999, status=PetitionStatus.CLOSED)
    make_signature(open_petition, confirmed=True)
    assert 'value="1" max="500"' in client.get("/").content.decode()


def test_the_home_page_works_without_a_petition(client, db):
    html = client.get("/").content.decode()
    assert "<progress" not in html and 'href="/petitions/"' in html


def test_the_home_page_with_a_petition_takes_three_queries(client, django_assert_num_queries):
    make_event()
    make_signature(make_petition(), confirmed=True)
    # The campaign, the promoted petition, and the numbers (cached after the first visit).
    with django_assert_num_queries(3):
        assert client.get("/").status_code == 200
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200
