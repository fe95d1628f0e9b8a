"""What partner sites use: the JSON count and the embeddable sign widget."""

from __future__ import annotations

import pytest

from allout.models import OutboxEmail
from petitions.models import PetitionCounter, PetitionStatus, Signature
from tests.petitions.conftest import embed_form, make_petition, make_signature, sign_form

pytestmark = pytest.mark.django_db


def test_count_json_gives_the_confirmed_count_and_the_goal_to_any_site(client, petition):
    make_signature(petition, confirmed=True)
    make_signature(petition)
    response = client.get(
        f"/petitions/{petition.slug}/count.json", HTTP_ORIGIN="https://partner.example"
    )
    assert response.status_code == 200
    assert response.json() == {"count": 1, "goal": 1000}
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "max-age=30" in response["Cache-Control"]


def test_count_json_is_cached_briefly(client, petition):
    assert client.get(f"/petitions/{petition.slug}/count.json").json()["count"] == 0
    PetitionCounter.objects.add(petition.pk, 5)
    # Within the cache's 30 seconds a burst of partner pages costs no database query.
    assert client.get(f"/petitions/{petition.slug}/count.json").json()["count"] == 0


def test_count_json_for_an_unknown_petition_is_a_json_404(client, db):
    response = client.get("/petitions/nope/count.json")
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "error" in response.json()


def test_count_json_refuses_writes(client, petition):
    assert client.post(f"/petitions/{petition.slug}/count.json").status_code == 405


def test_the_embed_route_may_be_framed_by_any_site(client, petition):
    response = client.get(f"/petitions/{petition.slug}/embed/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    # The rest of its policy stays strict.
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_no_other_petition_route_may_be_framed(client, petition, signature):
    paths = [
        f"/petitions/{petition.slug}/",
        f"/petitions/{petition.slug}/check-your-email/",
        f"/petitions/{petition.slug}/thank-you/",
        "/petitions/signature/bad/confirm/",
        "/",
    ]
    for path in paths:
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], path


def test_the_embed_widget_shows_the_count_and_a_labelled_form(client, petition):
    make_signature(petition, confirmed=True)
    html = client.get(f"/petitions/{petition.slug}/embed/").content.decode()
    assert 'value="1" max="1000"' in html
    assert f'action="/petitions/{petition.slug}/embed/"' in html
    assert '<label for="id_email"' in html and '<base target="_blank">' in html
    assert 'class="site-header"' not in html  # minimal: no navigation inside a frame


def test_signing_inside_the_frame_needs_no_cookie_and_answers_inside_the_frame(petition):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # as in a third-party frame: no CSRF cookie
    response = client.post(f"/petitions/{petition.slug}/embed/", embed_form(petition))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "Check your email" in response.content.decode()
    signature = Signature.objects.get()
    assert signature.source == "embed" and not signature.is_confirmed()
    assert OutboxEmail.objects.get().kind == "petition_confirm"


def test_the_main_sign_form_keeps_its_csrf_protection(petition):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.post(f"/petitions/{petition.slug}/sign/", sign_form()).status_code == 403
    assert not Signature.objects.exists()


def test_the_embed_shows_mistakes_and_a_closed_petition_inside_the_frame(client):
    petition = make_petition()
    response = client.post(f"/petitions/{petition.slug}/embed/", embed_form(petition, email="nope"))
    assert response.status_code == 400
    assert "X-Frame-Options" not in response
    assert "Enter a valid email address." in response.content.decode()

    closed = make_petition(status=PetitionStatus.CLOSED)
    response = client.post(f"/petitions/{closed.slug}/embed/", embed_form(closed))
    assert response.status_code == 403 and "X-Frame-Options" not in response
    assert "this petition is closed" in response.content.decode()
    assert not Signature.objects.exists()


def test_the_embed_answers_a_burst_inside_the_frame_too(client, petition):
    for number in range(30):
        client.post(
            f"/petitions/{petition.slug}/embed/",
            embed_form(petition, email=f"p{number}@example.org"),
        )
    response = client.post(f"/petitions/{petition.slug}/embed/", embed_form(petition))
    assert response.status_code == 429
    assert "X-Frame-Options" not in response
    assert "wait a few minutes" in response.content.decode()
    assert Signature.objects.count() == 30
