"""Every email about an event is written in its recipient's language: the one they signed up
in, the organizer's the one they registered the event in, whatever language queues it (a
page in another language, or a scheduled task with none)."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.utils import translation

from allout.models import OutboxEmail
from events.models import Attendance, Event
from events.services import moderation
from events.services import organizer as organizer_tools
from events.services import reminders as reminder_service
from tests.conftest import make_user
from tests.events.factories import form_data, make_attendance, make_event
from tests.outbox import rendered

pytestmark = pytest.mark.django_db

# 17:00 UTC is 14:00 in São Paulo (UTC-3 all year).
START = datetime.datetime(2031, 3, 16, 17, 0, tzinfo=datetime.UTC)
GREETING = "A message from %(organizer)s, the organizer of %(title)s:"
FOOTER = "Unsubscribe or cancel:"


def said(language: str, msgid: str, **values) -> str:
    """`msgid` as the catalog of `language` says it."""
    with translation.override(language):
        text = translation.gettext(msgid)
    return text % values if values else text


def email_to(address: str, kind: str) -> OutboxEmail:
    return rendered().get(to=address, kind=kind)


def test_a_russian_page_records_the_sign_up_in_russian_and_confirms_it_in_russian(client):
    event = make_event()
    response = client.post(
        f"/ru/events/{event.slug}/rsvp/", {"first_name": "Маша", "email": "masha@example.org"}
    )
    assert response.status_code == 302
    assert Attendance.objects.get().language == "ru"
    row = email_to("masha@example.org", "attendance_confirm")
    assert row.language == "ru"
    assert row.subject == said("ru", "Please confirm: %(title)s", title=event.title)
    assert said("ru", FOOTER) in row.body_text
    # Its links open their pages in Russian, and work with that prefix.
    confirm = re.search(r"https?://[^/\s]+(/ru/events/attend/[^/\s]+/confirm/)", row.body_text)
    assert confirm, row.body_text
    page = client.get(confirm.group(1))
    assert page.status_code == 200 and '<html lang="ru">' in page.content.decode()


def test_accept_language_on_an_unprefixed_page_counts_as_the_visitors_language(client):
    event = make_event()
    client.post(
        f"/events/{event.slug}/rsvp/",
        {"first_name": "Ana", "email": "ana@example.org"},
        HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9",
    )
    assert Attendance.objects.get().language == "pt-br"
    assert email_to("ana@example.org", "attendance_confirm").language == "pt-br"


def test_the_beat_tasks_reminders_follow_each_participants_language():
    event = make_event(place="sao-paulo", starts_at=START)
    make_attendance(event, email="ana@example.org", status="confirmed", language="pt-br")
    make_attendance(event, email="jo@example.org", status="confirmed", language="en")
    # No request, and another language active than either participant's: neither matters.
    with (
        time_machine.travel(START - datetime.timedelta(hours=23), tick=False),
        translation.override("de"),
    ):
        assert reminder_service.send_reminders() == 2
    ana = email_to("ana@example.org", "attendance_reminder")
    jo = email_to("jo@example.org", "attendance_reminder")
    assert (ana.language, jo.language) == ("pt-br", "en")
    with translation.override("pt-br"):
        portuguese_day = event.local_day()
        assert event.local_when() in ana.body_text
    assert "março" in portuguese_day.lower() and portuguese_day not in jo.body_text
    assert "Sunday 16 March 2031, 14:00\N{EN DASH}16:00" in jo.body_text
    assert said("pt-br", FOOTER) in ana.body_text and said("en", FOOTER) in jo.body_text
    assert "/pt-br/events/attend/" in ana.body_text
    assert "/events/attend/" in jo.body_text and "/pt-br/" not in jo.body_text


def test_an_organizers_message_keeps_their_words_in_each_participants_language(client):
    event = make_event(title="Vigil", organizer_name="Kollektiv")
    make_attendance(event, email="ana@example.org", status="confirmed", language="pt-br")
    make_attendance(event, email="jo@example.org", status="confirmed", language="en")
    client.force_login(event.organizer)
    # The organizer writes from the Russian pages.
    response = client.post(
        f"/ru/events/mine/{event.slug}/message/",
        {"subject": "Берите воду", "body": "Будет жарко."},
    )
    assert response.status_code == 302
    for address, language in [("ana@example.org", "pt-br"), ("jo@example.org", "en")]:
        row = email_to(address, "organizer_message")
        assert row.language == language
        assert "Берите воду" in row.subject and "Будет жарко." in row.body_text
        assert said(language, GREETING, organizer="Kollektiv", title="Vigil") in row.body_text
        assert said(language, FOOTER) in row.body_text
        assert said("ru", GREETING, organizer="Kollektiv", title="Vigil") not in row.body_text


def test_a_cancellation_reaches_each_participant_in_their_language():
    event = make_event(title="Vigil")
    make_attendance(event, email="lena@example.org", status="confirmed", language="de")
    make_attendance(event, email="luc@example.org", language="fr")  # unconfirmed: told too
    with translation.override("ru"):
        assert organizer_tools.cancel_event(event, event.organizer, note="Sturm.") == 2
    for address, language in [("lena@example.org", "de"), ("luc@example.org", "fr")]:
        row = email_to(address, "event_cancelled")
        assert row.language == language
        # A subject is one line of plain spaces (allout.mail), French's no-break one too.
        expected = " ".join(said(language, "Cancelled: %(title)s", title="Vigil").split())
        assert row.subject == expected
        assert row.subject != said("en", "Cancelled: %(title)s", title="Vigil")
        assert "Sturm." in row.body_text


def test_the_organizer_hears_about_their_event_in_the_language_they_registered_it_in(
    client, organizer, campaign
):
    client.force_login(organizer)
    assert client.post("/ru/events/new/", form_data(language="en")).status_code == 302
    event = Event.objects.get()
    # The event's text is in English; the organizer's pages were Russian.
    assert (event.language, event.organizer_language) == ("en", "ru")
    received = email_to("organizer@example.org", "event_received")
    assert received.language == "ru" and said("ru", FOOTER) in received.body_text

    # A moderator approves it from the English admin.
    moderator = make_user("moderator@example.org", is_staff=True, is_superuser=True)
    with translation.override("en"):
        moderation.approve_event(event, moderator)
    approved = email_to("organizer@example.org", "event_approved")
    assert approved.language == "ru" and said("ru", FOOTER) in approved.body_text
    assert f"/ru/events/{event.slug}/" in approved.body_text


def test_moderators_read_the_sites_default_language_whoever_queues_their_email():
    event = make_event(status=Event.Status.PENDING, organizer_language="ru")
    make_user("moderator@example.org", is_staff=True, is_superuser=True)
    with translation.override("ru"):
        assert moderation.alert_moderators() == 1
    row = email_to("moderator@example.org", "events_to_moderate")
    assert row.language == "en" and said("en", FOOTER) in row.body_text
    assert event.title in row.body_text and "/ru/" not in row.body_text


def test_the_html_of_an_email_names_its_language():
    event = make_event()
    make_attendance(event, email="lena@example.org", language="de")
    organizer_tools.cancel_event(event, event.organizer)
    assert '<html lang="de">' in email_to("lena@example.org", "event_cancelled").body_html
