"""The petition page from the cache: what it shares between visitors, what it renders for
each, how fast a staff edit and a new signature show, and that it answers without Redis."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from allout.models import HighRiskCountry
from petitions import cache
from petitions.models import PetitionStatus
from tests.petitions.conftest import make_petition, make_signature, make_target


@pytest.fixture
def slow_counts(monkeypatch):
    """Live numbers cached long enough that a busy machine does not see them expire."""
    monkeypatch.setattr(cache, "LIVE_SECONDS", 600)


def page(client: Client, petition, query: str = "") -> str:
    response = client.get(petition.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def embed(client: Client, petition) -> str:
    response = client.get(f"/petitions/{petition.slug}/embed/")
    assert response.status_code == 200
    return response.content.decode()


def without_tokens(html: str) -> str:
    """The page with what is per visitor (the CSRF token, the anti-bot fields) blanked."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'<input type="hidden" name="[^"]+" value="[^"]+:[^"]+">', "", html)


def test_the_page_takes_five_queries_uncached_and_none_cached(
    client, petition, django_assert_num_queries, slow_counts
):
    for n in range(3):
        make_target(petition, position=n)
    for _ in range(5):
        make_signature(petition, confirmed=True, show_publicly=True)
    # The petition, its targets, the count, the recent signers, the high-risk list (for
    # the signers and for the form), whether the list has a name for them.
    with django_assert_num_queries(5):
        page(client, petition)
    with django_assert_num_queries(0):
        page(client, petition)


def test_the_embed_takes_no_query_once_cached(
    client, petition, django_assert_num_queries, slow_counts
):
    embed(client, petition)
    with django_assert_num_queries(0):
        embed(client, petition)


def test_two_visitors_share_the_cached_parts_but_not_the_csrf_token(petition):
    first, second = Client(), Client()
    one, other = page(first, petition), page(second, petition)
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1] for html in (one, other)
    ]
    assert tokens[0] != tokens[1]
    assert 'name="country"' in one and one.count("<option") > 200
    assert without_tokens(one) == without_tokens(other)


def test_the_source_of_a_link_is_rendered_for_each_visitor(client, petition):
    page(client, petition)  # the fields are cached now
    html = page(client, petition, "?source=newsletter")
    assert 'name="source" value="newsletter"' in html
    assert 'name="source" value="newsletter"' not in page(client, petition)


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: setattr(p, "title", "A new title for the page"),
        lambda p: setattr(p, "text", "A new text: **A new title for the page**."),
        lambda p: setattr(p, "author", "A new title for the page"),
    ],
    ids=["title", "text", "author"],
)
def test_a_staff_edit_shows_at_once(client, petition, django_capture_on_commit_callbacks, edit):
    page(client, petition)
    embed(client, petition)
    with django_capture_on_commit_callbacks(execute=True):
        edit(petition)
        petition.save()
    assert "A new title for the page" in page(client, petition)


def test_a_new_title_shows_in_the_embed_at_once(
    client, petition, django_capture_on_commit_callbacks
):
    embed(client, petition)
    with django_capture_on_commit_callbacks(execute=True):
        petition.title = "A new title for the widget"
        petition.save()
    assert "A new title for the widget" in embed(client, petition)


def test_a_new_target_shows_at_once(client, petition, django_capture_on_commit_callbacks):
    page(client, petition)
    with django_capture_on_commit_callbacks(execute=True):
        make_target(petition, name="Kaja Kallas")
    assert "Kaja Kallas" in page(client, petition)


def test_a_closed_petition_refuses_signatures_the_moment_it_closes(
    client, petition, django_capture_on_commit_callbacks
):
    assert 'action="/petitions/' in page(client, petition)
    assert cache.get_petition(petition.slug).is_open()
    with django_capture_on_commit_callbacks(execute=True):
        petition.status = PetitionStatus.CLOSED
        petition.save()
    assert cache.get_petition(petition.slug).is_open() is False
    html = page(client, petition)
    assert "This petition is closed" in html and 'class="sign-form"' not in html


def test_a_country_marked_high_risk_leaves_the_signers_at_once(
    client, petition, django_capture_on_commit_callbacks
):
    make_signature(petition, confirmed=True, show_publicly=True, first_name="Nino", country="GE")
    assert "Nino" in page(client, petition)
    with django_capture_on_commit_callbacks(execute=True):
        HighRiskCountry.objects.create(country="GE")
    assert "Nino" not in page(client, petition)


def test_the_count_is_at_most_a_few_seconds_old(client, petition, monkeypatch):
    monkeypatch.setattr(cache, "LIVE_SECONDS", 1)
    make_signature(petition, confirmed=True)
    assert '<progress class="progress-bar" value="1"' in page(client, petition)
    make_signature(petition, confirmed=True, show_publicly=True, first_name="Ada")
    time.sleep(1.2)
    html = page(client, petition)
    assert '<progress class="progress-bar" value="2"' in html and "Ada" in html
    assert '<progress class="progress-bar" value="2"' in embed(client, petition)
    assert 'value="2"' in client.get("/").content.decode()


def test_an_unknown_petition_is_a_404_and_is_not_cached(client, db):
    assert client.get("/petitions/no-such-petition/").status_code == 404
    make_petition(slug="no-such-petition")
    assert client.get("/petitions/no-such-petition/").status_code == 200


def test_the_pages_answer_from_the_database_with_redis_down(client, petition, settings):
    make_signature(petition, confirmed=True)
    settings.CACHES = {
        "default": {
            "BACKEND": "allout.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens: refused at once
        }
    }
    assert '<progress class="progress-bar" value="1"' in page(client, petition)
    assert "Sphere Foundation" in embed(client, petition)
    for url in ["/", "/events/", "/events/?q=London"]:
        assert client.get(url).status_code == 200
