"""A city-centre event needs no street address, and every form's error banner names the
fields it is about."""

from __future__ import annotations

import re

import pytest

from events.models import Event
from tests.events.factories import form_data, make_attendance, make_event

pytestmark = pytest.mark.django_db


def banner(response) -> str:
    """The text of the error summary at the top of the form, tags stripped."""
    match = re.search(
        r'<div class="errorlist nonfield error-summary"[^>]*>(.*?)</div>', response.text, re.S
    )
    assert match, "the page has an error summary"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


@pytest.fixture
def organizer_client(client, organizer, campaign):
    client.force_login(organizer)
    return client


def test_a_city_centre_event_placed_by_city_search_needs_no_street_address(organizer_client):
    data = form_data(latitude="", longitude="", city="", country="", place_search="lisbon")
    data.pop("address")
    response = organizer_client.post("/events/new/", data)
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.city, event.address) == ("Lisbon", "")
    assert organizer_client.get(event.get_absolute_url()).status_code == 200


def test_a_city_centre_event_still_needs_its_meeting_point(organizer_client):
    response = organizer_client.post("/events/new/", form_data(address="", meeting_point=""))
    assert response.status_code == 400
    assert "Meeting point" in banner(response)


def test_an_embassy_event_gets_the_embassys_address(organizer_client, embassy):
    data = form_data(kind=Event.Kind.EMBASSY, embassy=embassy.pk, address="", latitude="")
    assert organizer_client.post("/events/new/", data).status_code == 302
    assert Event.objects.get().address == embassy.address


def test_the_event_forms_banner_names_the_fields_to_correct(organizer_client):
    response = organizer_client.post("/events/new/", form_data(title="", start_time=""))
    assert response.status_code == 400
    # In the order of the page: the time comes before the title.
    assert banner(response).startswith("Please correct: Starts at, Title.")
    assert '<a href="#id_title">Title</a>' in response.text


def test_the_sign_up_forms_banner_names_the_fields_to_correct(client):
    event = make_event()
    response = client.post(f"/events/{event.slug}/rsvp/", {"first_name": "", "email": "x"})
    assert response.status_code == 400
    assert banner(response).startswith("Please correct: First name, Email.")


def test_the_contact_forms_banner_names_the_fields_to_correct(client):
    event = make_event()
    response = client.post(f"/events/{event.slug}/contact/", {"name": "Ana", "email": "x"})
    assert response.status_code == 400
    assert banner(response).startswith("Please correct: Your email, Message.")


def test_the_message_forms_banner_names_the_fields_to_correct(client, organizer):
    event = make_event(organizer=organizer)
    make_attendance(event, status="confirmed")
    client.force_login(organizer)
    response = client.post(f"/events/mine/{event.slug}/message/", {"subject": "", "body": ""})
    assert banner(response).startswith("Please correct: Subject, Message.")
