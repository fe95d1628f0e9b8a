"""A visitor whose language is not English meets no English on the pages they use.

Each page is rendered in English and in each other language from the same demo data; a
piece of text (a text node, or an attribute people hear or read: alt, title, aria-label,
placeholder) that reads the same in both is a string left untranslated, unless it is
content (what organizers and staff wrote, in their own language), a name, or a number.
The catalog check (tests/test_catalogs.py) sees strings marked for translation; this sees
the ones nobody marked.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import get_language_info
from django_countries import countries as django_countries

from events.models import Event
from petitions.models import Petition, Signature

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
HEARD = ("alt", "title", "aria-label", "placeholder")
# Text that is the same in every language: names of things, not words of ours.
NAMES = (
    {settings.SITE_NAME, "ALTCHA", "Leaflet", "OpenStreetMap", "Sphere Foundation", "ICS"}
    | {
        # The language switcher names each language in itself.
        get_language_info(code)["name_local"]
        for code, _name in settings.LANGUAGES
    }
    | {"Bluesky", "Facebook", "Telegram", "WhatsApp", "Mastodon", "Signal", "Swagger"}
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "template"}:
            self._skip += 1
        for name, value in attrs:
            if name in HEARD and value:
                self.pieces.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.pieces.append(data)


def words(html: str) -> set[str]:
    """The page's pieces of text that hold a word of at least three letters."""
    parser = _Text()
    parser.feed(html)
    pieces = {" ".join(piece.split()) for piece in parser.pieces}
    return {piece for piece in pieces if re.search(r"[A-Za-z]{3}", piece)}


def content() -> set[str]:
    """What organizers and staff wrote: it stays in the language they wrote it in."""
    written: set[str] = set()
    for event in Event.objects.all():
        for field in ("title", "city", "meeting_point", "address", "organizer_name",
                      "accessibility", "what_to_bring", "description"):  # fmt: skip
            written.add(" ".join(str(getattr(event, field)).split()))
    for petition in Petition.objects.all():
        written |= {
            petition.author,
            getattr(petition, "title_en", ""),
            getattr(petition, "summary_en", ""),
        }
        for target in petition.targets.all():  # staff translate them, or not
            written |= {target.name, getattr(target, "title_en", ""), target.organization}
    return {text for text in written if text}


# Words that are spelled the same in a language as in English, and right there.
SAME_WORD = {
    "pt-br": {"Organize"},  # "organize", the imperative
    "de": {"Website", "Details (optional)", "Petition"},
}


def _a_signer(piece: str, countries: set[str]) -> bool:
    """ "Jonas, Israel": a signer shown on the petition page, in the country's name."""
    name, _comma, country = piece.rpartition(", ")
    return country in countries and Signature.objects.filter(first_name=name).exists()


def untranslated(language: str, english: set[str], other: set[str], written: set[str]) -> list[str]:
    with translation.override(language):
        # Country names that are the same in both (Angola, Albania) are the language's own.
        countries = {str(name) for _code, name in django_countries}
    same = english & other
    return sorted(
        piece
        for piece in same
        if piece not in NAMES
        and piece not in SAME_WORD.get(language, set())
        and piece not in countries
        and not _a_signer(piece, countries)
        and not any(piece in text or text in piece for text in written if len(text) > 3)
        and not re.fullmatch(r"[\W\d]*[A-Z]{2,3}[\W\d]*", piece)  # a country code, a zone
    )


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO())


def pages() -> list[str]:
    event = Event.objects.filter(status=Event.Status.APPROVED).order_by("starts_at")[0]
    petition = Petition.objects.get()
    return [
        "/",
        "/events/",
        "/events/?q=London",
        f"/events/{event.slug}/",
        f"/events/{event.slug}/rsvp/",
        f"/petitions/{petition.slug}/",
        f"/petitions/{petition.slug}/embed/",
        "/privacy/",
        "/events/guidelines/",
        "/events/embed/map/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_public_page_keeps_an_english_string(client, demo, language):
    written = content()
    leaks = {}
    for path in pages():
        english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        other = client.get(f"/{language}{path}")
        assert english.status_code == other.status_code == 200, path
        found = untranslated(
            language, words(english.content.decode()), words(other.content.decode()), written
        )
        if found:
            leaks[path] = found
    assert leaks == {}, language
