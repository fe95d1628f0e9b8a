"""The organizer's toolkit: the poster (PDF), the share image (PNG), the guidelines to print.

The files are read back as a person's tools would: pypdf extracts the poster's text and its
QR code image, zxing-cpp decodes the QR codes, Pillow opens the image.
"""

from __future__ import annotations

import io

import pypdf
import pytest
import zxingcpp
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from allout.models import HighRiskCountry
from events import toolkit
from events.models import Event, StaffAccess
from tests.conftest import log_in_with_two_factor, make_user
from tests.events.factories import make_event, make_organizer

pytestmark = pytest.mark.django_db

EXACT = {"meeting_point": "Behind the blue kiosk", "address": "17 Secret Lane"}


@pytest.fixture
def event(organizer):
    return make_event(organizer=organizer, title="Vigil for queer Russia", **EXACT)


def poster_url(event: Event, paper: str | None = None) -> str:
    url = f"/events/mine/{event.slug}/poster.pdf"
    return f"{url}?paper={paper}" if paper else url


def image_url(event: Event) -> str:
    return f"/events/mine/{event.slug}/share.png"


def poster(client, event: Event, paper: str | None = None) -> pypdf.PdfReader:
    response = client.get(poster_url(event, paper))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return pypdf.PdfReader(io.BytesIO(response.content))


def text_of(reader: pypdf.PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def qr_texts(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image)]


def stable_url(event: Event) -> str:
    return f"http://testserver.example/events/{event.slug}/"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


# --- The poster -------------------------------------------------------------------------------
def test_the_poster_is_one_page_with_the_title_day_time_place_and_address(client, event):
    client.force_login(event.organizer)
    reader = poster(client, event)
    assert len(reader.pages) == 1
    text = text_of(reader)
    assert "Vigil for queer Russia" in text
    assert "Monday 16 March 2099" in text
    assert "14:00\N{EN DASH}16:00" in text
    assert "Behind the blue kiosk, 17 Secret Lane, London, United Kingdom" in text
    assert stable_url(event) in text


def test_the_posters_qr_code_decodes_to_the_events_stable_address(client, event):
    client.force_login(event.organizer)
    images = [image.image for image in poster(client, event).pages[0].images]
    assert [text for image in images for text in qr_texts(image)] == [stable_url(event)]
    # What was embedded is segno's matrix of that address, module for module.
    (image,) = images
    expected = toolkit.qr_code(stable_url(event)).matrix
    assert _modules(image, len(expected)) == [list(row) for row in expected]


def _modules(image: Image.Image, size: int) -> list[list[int]]:
    """The dark (1) and light (0) modules of a QR image of `size` modules a side, drawn with
    a four-module quiet zone, read at each module's centre."""
    gray = image.convert("L")

    def dark(x: int, y: int) -> int:
        value = gray.getpixel((x, y))
        assert isinstance(value, int)
        return int(value < 128)

    scale, rest = divmod(gray.width, size + 8)
    assert rest == 0 and gray.width == gray.height
    return [
        [dark((4 + c) * scale + scale // 2, (4 + r) * scale + scale // 2) for c in range(size)]
        for r in range(size)
    ]


def test_a_hidden_events_poster_names_the_city_and_never_the_exact_place(client, organizer):
    event = make_event(organizer=organizer, hide_exact_location=True, **EXACT)
    client.force_login(organizer)
    text = text_of(poster(client, event))
    assert "London, United Kingdom" in text
    assert "The exact meeting point is sent to participants when they confirm." in text
    said = " ".join(vars(toolkit.facts(event)).values())  # what the share image draws too
    for secret in [*EXACT.values(), "kiosk", "Secret"]:
        assert secret not in text and secret not in said


def test_the_poster_is_in_the_events_language_with_cyrillic_text(client, organizer):
    event = make_event(
        organizer=organizer, language="ru", title="Пикет солидарности с квир-людьми России"
    )
    client.force_login(organizer)
    text = text_of(poster(client, event))
    assert "Пикет солидарности с квир-людьми России" in text
    assert "16 марта 2099" in text
    assert "местное время" in text
    assert "Великобритания" in text  # the country, in Russian


@pytest.mark.parametrize(
    ("place", "paper", "size"),
    [
        ("london", None, (595, 842)),  # A4 in Britain
        ("new-york", None, (612, 792)),  # Letter in the United States
        ("new-york", "a4", (595, 842)),
        ("london", "letter", (612, 792)),
        ("london", "tabloid", (595, 842)),  # not a paper we print: the country's
    ],
)
def test_the_paper_follows_the_country_unless_asked(client, organizer, place, paper, size):
    event = make_event(organizer=organizer, place=place)
    client.force_login(organizer)
    box = poster(client, event, paper).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size


def test_the_poster_is_served_inline_with_a_filename(client, event):
    client.force_login(event.organizer)
    response = client.get(poster_url(event, "a4"))
    assert response["Content-Disposition"] == f'inline; filename="poster-{event.slug}-a4.pdf"'
    assert "no-store" in response["Cache-Control"]


# --- The share image -------------------------------------------------------------------------
def test_the_share_image_is_a_1080_square_png_whose_qr_code_leads_to_the_event(client, event):
    client.force_login(event.organizer)
    response = client.get(image_url(event))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="share-{event.slug}.png"'
    image = Image.open(io.BytesIO(response.content))
    image.load()
    assert image.format == "PNG" and image.size == (1080, 1080)
    assert qr_texts(image) == [stable_url(event)]


# --- The cache ---------------------------------------------------------------------------------
def test_the_files_are_cached_and_an_edit_makes_new_ones(client, event, django_assert_num_queries):
    client.force_login(event.organizer)
    first = client.get(poster_url(event, "a4")).content
    assert client.get(poster_url(event, "a4")).content == first  # from the cache
    image = client.get(image_url(event)).content
    event.title = "Vigil moved to the square"
    event.save()
    text = text_of(poster(client, event, "a4"))
    assert "Vigil moved to the square" in text and "Vigil for queer Russia" not in text
    assert client.get(image_url(event)).content != image


def test_the_cached_poster_is_not_drawn_again(client, event, monkeypatch):
    client.force_login(event.organizer)
    client.get(poster_url(event, "a4"))

    def draw_again(*args):
        raise AssertionError("drawn again")

    monkeypatch.setattr(toolkit, "_draw_poster", draw_again)
    assert client.get(poster_url(event, "a4")).status_code == 200
    with pytest.raises(AssertionError, match="drawn again"):
        client.get(poster_url(event, "letter"))


# --- Access ------------------------------------------------------------------------------------
def toolkit_urls(event: Event) -> list[str]:
    return [poster_url(event), poster_url(event, "letter"), image_url(event)]


def test_anonymous_visitors_are_sent_to_log_in(client, event):
    for url in toolkit_urls(event):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["stranger", "another organizer", "staff without two-factor"])
def test_a_stranger_another_organizer_and_unverified_staff_get_404(client, event, who):
    if who == "stranger":
        intruder = make_user("stranger@example.org")
    elif who == "another organizer":
        intruder = make_organizer()
        make_event(organizer=intruder)
    else:
        intruder = make_user("staff@example.org", is_staff=True, is_superuser=True)
    client.force_login(intruder)
    for url in toolkit_urls(event):
        assert client.get(url).status_code == 404, url


def test_staff_with_two_factor_get_the_files_and_are_logged(client, event, staff_user):
    log_in_with_two_factor(client, staff_user)
    for url in toolkit_urls(event):
        assert client.get(url).status_code == 200, url
    logged = StaffAccess.objects.filter(event=event, actor=staff_user)
    assert [row.what for row in logged] == [StaffAccess.What.TOOLKIT] * 3


@pytest.mark.parametrize("status", [Event.Status.PENDING, Event.Status.REJECTED])
def test_an_event_the_public_cannot_see_has_no_poster_yet(client, organizer, status):
    event = make_event(organizer=organizer, status=status)
    client.force_login(organizer)
    for url in toolkit_urls(event):
        assert client.get(url).status_code == 404, url
    html = client.get(f"/events/mine/{event.slug}/").content.decode()
    assert "once your event is approved" in html and "poster.pdf" not in html


def test_an_event_in_a_high_risk_country_has_no_poster(client, event):
    """Its page is shown to no one: a poster would send people to it in the street."""
    HighRiskCountry.objects.create(country=event.country)
    client.force_login(event.organizer)
    for url in toolkit_urls(event):
        assert client.get(url).status_code == 404, url


def test_the_dashboard_links_to_the_toolkit_with_the_countrys_paper_first(client, organizer):
    event = make_event(organizer=organizer, place="new-york")
    client.force_login(organizer)
    html = client.get(f"/events/mine/{event.slug}/").content.decode()
    letter = html.index(f"{poster_url(event)}?paper=letter")
    assert letter < html.index(f"{poster_url(event)}?paper=a4")
    assert image_url(event) in html
    assert 'href="/events/guidelines/"' in html


# --- Fonts -------------------------------------------------------------------------------------
def test_a_missing_font_fails_clearly_and_fails_the_system_check(monkeypatch, tmp_path):
    monkeypatch.setattr(toolkit, "FONT_DIR", tmp_path)
    with pytest.raises(ImproperlyConfigured, match="fonts-dejavu-core"):
        toolkit.font_path("regular")
    assert [error.id for error in toolkit.check_fonts()] == ["events.E001", "events.E001"]


def test_the_fonts_are_installed():
    assert toolkit.check_fonts() == []


# --- The guidelines ----------------------------------------------------------------------------
def test_the_guidelines_page_is_printable_and_in_english_by_default(client):
    response = client.get("/events/guidelines/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Safety and non-violence guidelines" in html
    assert "Our protests are peaceful." in html
    assert "css/guidelines.css" in html and 'class="printable"' in html
    assert "This page online: http://testserver.example/events/guidelines/" in html


def test_the_guidelines_page_in_russian(client):
    html = client.get("/ru/events/guidelines/").content.decode()
    assert '<html lang="ru">' in html
    assert "Правила безопасности и ненасилия" in html
    assert "Наши акции мирные." in html
    assert "Не проводите открытые акции в России и Беларуси." in html
    assert "Our protests are peaceful" not in html
    assert "http://testserver.example/ru/events/guidelines/" in html


def test_the_registration_page_and_the_event_page_link_to_the_guidelines(client, organizer, event):
    client.force_login(organizer)
    assert 'href="/events/guidelines/"' in client.get("/events/new/").content.decode()
    assert 'href="/events/guidelines/"' in client.get(event.get_absolute_url()).content.decode()
