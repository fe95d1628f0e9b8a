"""The petition page: what it shows, what it never shows, and what it costs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from allout.risk import high_risk_countries
from petitions import cache
from petitions.models import PetitionStatus
from tests.petitions.conftest import make_petition, make_signature, make_target

pytestmark = pytest.mark.django_db


def page(client, petition) -> str:
    response = client.get(f"/petitions/{petition.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_lists_the_targets_in_order_then_the_text_and_the_author(client, petition):
    make_target(petition, name="Second", position=2)
    make_target(petition, name="First", position=1)
    make_target(petition, name="Third", position=3, organization="European Commission")
    html = page(client, petition)
    assert html.index("First") < html.index("Second") < html.index("Third")
    assert "European Commission" in html
    assert "<strong>open safe passage</strong>" in html
    assert "Sphere Foundation" in html


def test_the_text_is_sanitized_markdown(client):
    petition = make_petition(
        text="**Bold** <script>alert(1)</script> [link](javascript:alert(1)) "
        '<img src="https://tracker.example/x.png" onerror="alert(2)">'
    )
    html = page(client, petition)
    assert "<strong>Bold</strong>" in html
    assert "alert(1)</script>" not in html and "javascript:" not in html
    assert "tracker.example" not in html and "onerror" not in html


def test_the_page_shows_the_confirmed_count_with_a_progress_bar(client):
    petition = make_petition(goal=100_000)
    for _ in range(3):
        make_signature(petition, confirmed=True)
    make_signature(petition)  # unconfirmed: not counted
    html = page(client, petition)
    assert re.search(r'<strong class="petition-count">3</strong>\s*signatures of 100,000', html)
    assert '<progress class="progress-bar" value="3" max="100000"' in html


def test_the_page_shows_recent_signers_who_asked_first_name_and_country_only(client, petition):
    make_signature(
        petition,
        confirmed=True,
        show_publicly=True,
        first_name="Lea",
        last_name="Secretlastname",
        email="lea@example.org",
        country="FR",
    )
    make_signature(petition, confirmed=True, first_name="Hidden", country="DE")
    make_signature(petition, show_publicly=True, first_name="Unconfirmed")
    html = page(client, petition)
    assert "Lea, France" in html
    assert "Secretlastname" not in html and "lea@example.org" not in html
    assert "Hidden" not in html and "Unconfirmed" not in html


def test_the_most_recent_public_signers_come_first_ten_at_most(client, petition):
    now = timezone.now()
    for n in range(12):
        make_signature(
            petition,
            confirmed_at=now - timedelta(minutes=n),
            show_publicly=True,
            first_name=f"Person{n:02d}",
        )
    names = re.findall(r"<li>(Person\d+), Germany</li>", page(client, petition))
    assert names == [f"Person{n:02d}" for n in range(10)]


def test_a_signer_from_a_high_risk_country_is_never_shown(client, petition):
    # Even a row that says "show me" (signed before staff marked the country high-risk).
    make_signature(petition, confirmed=True, show_publicly=True, first_name="Dmitri", country="RU")
    make_signature(petition, confirmed=True, show_publicly=True, first_name="Alesia", country="BY")
    make_signature(petition, confirmed=True, show_publicly=True, first_name="Giorgi", country="GE")
    html = page(client, petition)
    assert "Dmitri" not in html and "Alesia" not in html
    assert "Giorgi, Georgia" in html
    petition.refresh_from_db()
    assert petition.signature_count == 3  # they count, unseen


def test_the_form_tells_high_risk_signers_before_they_submit(client, petition):
    html = page(client, petition)
    assert "Signers in Belarus and Russia are never listed" in html
    assert 'data-high-risk="BY RU"' in html
    assert 'id="high-risk-notice"' in html


def test_every_field_of_the_sign_form_is_labelled_and_nothing_is_ticked(client, petition):
    html = page(client, petition)
    for name in [
        "first_name",
        "last_name",
        "email",
        "country",
        "postcode",
        "consent_author",
        "consent_campaign",
        "show_publicly",
    ]:
        assert re.search(rf'<label for="id_{name}"', html), name
    assert "checked" not in html
    assert "Send me updates from Sphere Foundation" in html
    assert "Send me updates about this campaign" in html
    assert 'href="/privacy/"' in html and "never show your email" in html


def test_a_closed_petition_shows_no_form(client):
    petition = make_petition(status=PetitionStatus.CLOSED)
    html = page(client, petition)
    assert "closed and no longer takes signatures" in html
    assert 'name="email"' not in html


def test_the_page_costs_four_queries_however_many_signers_and_none_cached(
    client, petition, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(cache, "LIVE_SECONDS", 600)  # no expiry between the two visits
    for n in range(3):
        make_target(petition, position=n)
    for _ in range(20):
        make_signature(petition, confirmed=True, show_publicly=True)
    high_risk_countries()  # warm the cache, as it is on a busy site
    # The petition, its targets, its count, its recent public signers; then the cache.
    with django_assert_num_queries(4):
        page(client, petition)
    with django_assert_num_queries(0):
        page(client, petition)


def test_an_unknown_petition_is_a_404(client, db):
    assert client.get("/petitions/no-such-petition/").status_code == 404


def test_the_petitions_address_leads_to_the_current_open_petition(client, db):
    make_petition(slug="older")
    make_petition(slug="newest-closed", status=PetitionStatus.CLOSED)
    response = client.get("/petitions/")
    assert response.status_code == 302 and response["Location"] == "/petitions/older/"


def test_the_petitions_address_says_so_when_there_is_no_petition(client, db):
    response = client.get("/petitions/")
    assert response.status_code == 404
    assert "No petition yet" in response.content.decode()


def test_petition_pages_load_nothing_from_other_sites(client, petition, confirmed_signature):
    paths = [
        f"/petitions/{petition.slug}/",
        f"/petitions/{petition.slug}/thank-you/",
        f"/petitions/{petition.slug}/check-your-email/",
        f"/petitions/{petition.slug}/embed/",
    ]
    for path in paths:
        html = client.get(path).content.decode()
        # The hreflang alternates name this site's own pages in full; browsers load none.
        loaded = re.sub(r'<link rel="alternate" hreflang="[^"]+" href="[^"]+">', "", html)
        sources = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="([^"]+)"', loaded)
        assert sources and all(src.startswith("/") for src in sources), (path, sources)
        assert "<script>" not in html and " style=" not in html, path
