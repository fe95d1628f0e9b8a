"""Signing up: the verification email names the site, and confirming leads back to the page
the person signed up from."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from allout.models import OutboxEmail
from tests.events.factories import make_campaign

pytestmark = pytest.mark.django_db

EMAIL = "new.organizer@example.org"
PASSWORD = "a-long-pass-123"


def verification_link(to: str = EMAIL) -> str:
    """The path of the link in the verification email, as queued in the outbox."""
    row = OutboxEmail.objects.get(to=to)
    found = re.search(r"https?://\S+/accounts/confirm-email/\S+", row.body_text)
    assert found is not None, "the email carries a verification link"
    url = found.group()
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def sign_up_from_the_event_form(client: Client) -> None:
    response = client.get("/events/new/")
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url == "/accounts/login/?next=/events/new/"
    found = re.search(r'href="(/accounts/signup/[^"]*)"', client.get(login_url).text)
    assert found, "the login page links to sign up"
    signup_url = found.group(1).replace("&amp;", "&")
    assert "next=%2Fevents%2Fnew%2F" in signup_url or "next=/events/new/" in signup_url
    signup = client.get(signup_url)
    assert 'name="next" value="/events/new/"' in signup.text
    response = client.post(
        signup_url,
        {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD, "next": "/events/new/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"


def confirm(client: Client, link: str):
    """Open the link and press Confirm, with what the page's form posts."""
    page = client.get(link)
    assert page.status_code == 200
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    return client.post(link.split("?")[0], hidden)


def test_the_verification_email_names_the_site(client):
    client.post("/accounts/signup/", {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD})
    text = OutboxEmail.objects.get(to=EMAIL).body_text
    assert f"register an account on {settings.SITE_NAME} (" in text
    assert "account on ." not in text


def test_signing_up_from_the_event_form_and_confirming_leads_back_to_the_form(client):
    make_campaign()
    sign_up_from_the_event_form(client)
    response = confirm(client, verification_link())
    assert response.status_code == 302 and response["Location"] == "/events/new/"
    form = client.get("/events/new/")
    assert form.status_code == 200
    assert "Organize a protest" in form.text


def test_confirming_in_another_browser_leads_to_the_form_through_the_login(client):
    make_campaign()
    sign_up_from_the_event_form(client)
    other = Client()
    response = confirm(other, verification_link())
    assert response.status_code == 302 and response["Location"] == "/events/new/"
    response = other.get("/events/new/")
    assert response["Location"] == "/accounts/login/?next=/events/new/"
    response = other.post(
        response["Location"], {"login": EMAIL, "password": PASSWORD, "next": "/events/new/"}
    )
    assert response.status_code == 302 and response["Location"] == "/events/new/"
    assert "Organize a protest" in other.get("/events/new/").text


def test_a_next_to_another_site_is_not_carried_in_the_link(client):
    client.post(
        "/accounts/signup/",
        {
            "email": EMAIL,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert "evil.example" not in OutboxEmail.objects.get(to=EMAIL).body_text
