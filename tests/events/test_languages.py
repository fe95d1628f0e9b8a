"""Events in the platform's languages: an event's own text stays in its organizer's language
(Event.language, marked with `lang`); days and country names follow the reader's."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import translation

from events.models import Event
from tests.events.factories import DAY, form_data, local, make_event

pytestmark = pytest.mark.django_db

URL = "/events/new/"


@pytest.fixture
def organizer_client(client, organizer, campaign):
    client.force_login(organizer)
    return client


def test_the_form_offers_the_language_of_the_page_by_default(organizer_client):
    html = organizer_client.get("/ru/events/new/").content.decode()
    assert re.search(r'<option value="ru"[^>]*selected', html)


def test_the_organizer_chooses_the_language_of_their_text(organizer_client):
    response = organizer_client.post(URL, form_data(language="de"))
    assert response.status_code == 302
    assert Event.objects.get().language == "de"


def test_without_a_choice_the_event_takes_the_language_it_was_written_in(organizer_client):
    organizer_client.post("/pt-br/events/new/", form_data())
    assert Event.objects.get().language == "pt-br"


def test_an_unknown_language_is_refused_with_a_message(organizer_client):
    response = organizer_client.post(URL, form_data(language="xx"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Event.objects.exists()


def test_the_event_page_marks_its_text_with_the_organizers_language(client, campaign):
    event = make_event(campaign=campaign, language="de", description="Wir protestieren.")
    html = client.get(f"/ru/events/{event.slug}/").content.decode()
    assert '<html lang="ru">' in html
    assert f'<h1 lang="de">{event.title}</h1>' in html
    assert '<div lang="de"><p>Wir protestieren.</p></div>' in html


def test_the_day_of_an_event_reads_in_the_readers_language(campaign):
    event = make_event(
        campaign=campaign,
        starts_at=local(DAY, "14:00", "Europe/London"),
        ends_at=local(DAY, "16:00", "Europe/London"),
    )
    weekday = DAY.strftime("%A")
    assert event.local_day() == f"{weekday} {DAY.day} {DAY:%B} {DAY.year}"
    with translation.override("ru"):
        russian = event.local_day()
    # The proof translation of the format: "суббота, 16 марта 2030" (genitive month).
    months = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря"]  # fmt: skip
    assert russian.endswith(f", {DAY.day} {months[DAY.month - 1]} {DAY.year}")
    assert russian.split(",")[0].lower() in {
        "понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", "местное время"), ("pt-br", "horário local"), ("de", "Ortszeit")],
)
def test_the_one_line_when_reads_in_the_readers_language(campaign, language, words):
    """Emails, lists and the dashboard say it (Event.local_when)."""
    event = make_event(campaign=campaign)
    with translation.override(language):
        when = event.local_when()
    assert words in when and "local time" not in when


def test_an_event_spanning_midnight_says_the_end_day_in_the_readers_language(campaign):
    event = make_event(
        campaign=campaign,
        starts_at=local(DAY, "22:00", "Europe/London"),
        ends_at=local(DAY + datetime.timedelta(days=1), "01:00", "Europe/London"),
    )
    with translation.override("de"):
        hours = event.local_hours()
    following = DAY + datetime.timedelta(days=1)
    german = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
              "September", "Oktober", "November", "Dezember"]  # fmt: skip
    # German writes the day as an ordinal: "17. März" (the catalog's date format).
    assert hours == f"22:00 \N{EN DASH} {following.day}. {german[following.month - 1]} 01:00"


def test_countries_are_named_and_sorted_in_the_readers_language(organizer_client):
    html = organizer_client.get("/ru/events/new/").content.decode()
    select = re.search(r'<select name="country".*?</select>', html, re.S)
    assert select
    names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', select.group(0))
    # Australia, Germany, Japan: in the Russian alphabet's order, not the English one's.
    assert names.index("Австралия") < names.index("Германия") < names.index("Япония")
