"""The platform in six languages: the visitor's choice, else Accept-Language, else English;
`/ru/...` addresses that keep their language; the unprefixed addresses working as before.

The Russian strings asserted here are the few proof translations committed in
locale/ru (README, "Languages"); `make` compiles them.
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.events.factories import make_campaign, make_event
from tests.petitions.conftest import make_petition

pytestmark = pytest.mark.django_db

RUSSIAN_NAV = "Найти акцию"  # "Find a protest"
ENGLISH_NAV = "Find a protest"


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


def test_english_without_a_choice_or_accept_language(client):
    response = client.get("/events/")
    assert html_lang(response) == "en"
    assert ENGLISH_NAV in response.text
    assert response["Content-Language"] == "en"


def test_accept_language_russian_gives_a_russian_page(client):
    response = client.get("/events/", HTTP_ACCEPT_LANGUAGE="ru,en;q=0.5")
    assert response.status_code == 200
    assert html_lang(response) == "ru"
    assert RUSSIAN_NAV in response.text
    # Caches must keep one copy per language of an unprefixed page.
    vary = response["Vary"]
    assert "Accept-Language" in vary and "Cookie" in vary


def test_brazilian_portuguese_is_negotiated_from_its_region(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR")
    assert html_lang(response) == "pt-br"


def test_the_switcher_sets_the_cookie_and_the_next_page_is_russian(client):
    page = client.get("/events/")
    assert 'action="/language/"' in page.text and 'name="language"' in page.text
    response = client.post("/language/", {"language": "ru", "next": "/events/"})
    assert response.status_code == 302
    assert response["Location"] == "/ru/events/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    # The unprefixed address now follows the choice, over the browser's language too.
    after = client.get("/events/", HTTP_ACCEPT_LANGUAGE="de")
    assert html_lang(after) == "ru"
    assert RUSSIAN_NAV in after.text


def test_switching_back_to_english_from_a_russian_address(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.post("/language/", {"language": "en", "next": "/ru/petitions/"})
    assert response["Location"] == "/petitions/"
    assert html_lang(client.get("/petitions/")) == "en"


def test_the_switcher_needs_no_csrf_token(client):
    """A post without a token still switches: pages carry no per-visitor form for it."""
    strict = client.__class__(enforce_csrf_checks=True)
    response = strict.post("/language/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_the_switcher_never_redirects_off_the_site(client):
    response = client.post("/language/", {"language": "ru", "next": "https://evil.example/"})
    assert response["Location"] == "/ru/"  # the home page, in the chosen language


def test_an_unknown_language_in_the_switcher_changes_nothing(client):
    response = client.post("/language/", {"language": "xx", "next": "/events/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_a_prefixed_address_keeps_its_language_whoever_opens_it(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.get("/ru/events/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert html_lang(response) == "ru"
    assert RUSSIAN_NAV in response.text
    assert response["Content-Language"] == "ru"
    english = client.get("/en/events/")
    assert english.status_code == 200 and html_lang(english) == "en"


def test_links_on_a_russian_page_stay_in_russian(client):
    response = client.get("/ru/events/")
    assert 'href="/ru/petitions/"' in response.text
    assert 'href="/ru/events/new/"' in response.text


def test_reverse_writes_the_prefix_only_for_other_languages():
    assert reverse("events:list") == "/events/"
    with translation.override("ru"):
        assert reverse("events:list") == "/ru/events/"
        assert reverse("petitions:detail", args=["safe-passage"]) == "/ru/petitions/safe-passage/"
        # Machines' and staff's addresses have no language.
        assert reverse("healthz") == "/healthz"
        assert reverse("admin:index") == "/admin/"
        assert reverse("altcha_challenge") == "/altcha/challenge/"


def test_an_unknown_prefix_is_a_404_not_another_page(client):
    assert client.get("/xx/events/").status_code == 404
    assert client.get("/ru/healthz").status_code == 404
    assert client.get("/ru/admin/").status_code == 404


def test_spec_addresses_answer_unprefixed_as_before_in_any_language(client):
    campaign = make_campaign()
    event = make_event(campaign=campaign)
    petition = make_petition()
    addresses = {
        "/": "text/html",
        "/events/": "text/html",
        f"/events/{event.slug}/": "text/html",
        f"/petitions/{petition.slug}/": "text/html",
        f"/petitions/{petition.slug}/count.json": "application/json",
        "/events/nearby.json?lat=51.5&lng=-0.12": "application/json",
        "/events/map.geojson": "application/geo+json",
        "/healthz": "application/json",
    }
    for accept_language in ("en", "ru"):
        for address, content_type in addresses.items():
            response = client.get(address, HTTP_ACCEPT_LANGUAGE=accept_language)
            assert response.status_code == 200, (address, accept_language)
            assert response["Content-Type"].startswith(content_type), address


def test_json_is_the_same_in_every_language(client):
    campaign = make_campaign()
    make_event(campaign=campaign)
    petition = make_petition()
    for address in (
        f"/petitions/{petition.slug}/count.json",
        "/events/nearby.json?lat=51.5&lng=-0.12",
    ):
        english = client.get(address).json()
        assert client.get(address, HTTP_ACCEPT_LANGUAGE="ru").json() == english
        assert client.get(f"/ru{address}").json() == english


def test_the_cached_map_links_events_without_a_language(client):
    """Built once for everyone (events.finder.mapdata): a Russian visitor who builds it
    must not hand Russian links to the next one."""
    event = make_event(campaign=make_campaign())
    built_in_russian = client.get("/ru/events/map.geojson", HTTP_ACCEPT_ENCODING="")
    assert f"/events/{event.slug}/".encode() in built_in_russian.content
    assert b"/ru/" not in built_in_russian.content
    assert client.get("/events/map.geojson").content == built_in_russian.content


def test_every_page_names_its_versions_in_every_language(client):
    response = client.get("/ru/events/?q=London")
    links = dict(
        re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', response.text)
    )
    site = settings.SITE_URL
    assert links == {
        "en": f"{site}/en/events/?q=London",
        "ru": f"{site}/ru/events/?q=London",
        "pt-br": f"{site}/pt-br/events/?q=London",
        "es": f"{site}/es/events/?q=London",
        "fr": f"{site}/fr/events/?q=London",
        "de": f"{site}/de/events/?q=London",
        "x-default": f"{site}/events/?q=London",
    }


def test_pages_without_language_versions_name_none(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert 'hreflang="' not in response.text


def test_the_javascript_catalog_is_served_per_language(client):
    russian = client.get("/jsi18n/ru.js")
    assert russian.status_code == 200
    assert russian["Content-Type"].startswith("text/javascript")
    assert json.dumps("Скопировано") in russian.text  # "Copied", as the catalog writes it
    assert "interpolate" in russian.text and "ngettext" in russian.text
    english = client.get("/jsi18n/en.js", HTTP_ACCEPT_LANGUAGE="ru")
    assert "Скопировано" not in english.text
    assert client.get("/jsi18n/xx.js").status_code == 404


def test_pages_load_the_catalog_of_their_language_before_their_scripts(client):
    page = client.get("/ru/events/").text
    catalog = page.index('<script src="/jsi18n/ru.js"></script>')
    assert catalog < page.index("js/finder.js")


def test_the_server_error_page_is_in_the_visitors_language(client):
    from django.template import loader

    with translation.override("ru"):
        html = loader.get_template("500.html").render()
    assert '<html lang="ru">' in html


def test_links_made_under_another_language_still_answer_unprefixed_and_prefixed(client, db):
    """reverse() in a Russian request writes /ru/ into the links it makes (an email's
    confirm link too); both that and the unprefixed address printed before reach the page."""
    petition = make_petition()
    with translation.override("ru"):
        russian = reverse("petitions:detail", args=[petition.slug])
    assert russian == f"/ru/petitions/{petition.slug}/"
    assert client.get(russian).status_code == 200
    assert client.get(f"/petitions/{petition.slug}/").status_code == 200
    with translation.override("ru"):
        token_link = reverse("petitions:confirm", args=["not-a-valid-token"])
    unprefixed = token_link.removeprefix("/ru")
    assert client.get(token_link).status_code == client.get(unprefixed).status_code


def test_json_is_not_kept_per_cookie(client, db):
    """Pages vary on the language cookie; the JSON, the same in every language, does not,
    so the cached count.json partners read stays one entry."""
    petition = make_petition()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.get(f"/petitions/{petition.slug}/count.json")
    assert "Cookie" not in response.get("Vary", "")
