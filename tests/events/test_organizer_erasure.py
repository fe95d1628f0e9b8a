"""An organizer's "delete my data": the account and its events (issue 10, section 7)."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from allout import privacy
from allout.models import OutboxEmail
from events.models import Attendance, Event, OrganizerMessage
from events.services.erasure import DELETED_ORGANIZER_USERNAME
from tests.conftest import make_user
from tests.events.factories import make_attendance, make_event

pytestmark = pytest.mark.django_db

ADDRESS = "olga.organizer@example.org"


def data_path(email: str) -> str:
    return privacy.data_request_url(email).removeprefix("http://127.0.0.1:8000")


@pytest.fixture
def olga():
    user = make_user(ADDRESS, username="olga")
    EmailAddress.objects.create(user=user, email="olga.other@example.org", verified=False)
    return user


def past_event(organizer, **kwargs) -> Event:
    starts = timezone.now() - datetime.timedelta(days=3)
    return make_event(
        organizer=organizer,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        **kwargs,
    )


def test_the_data_page_lists_the_account_its_addresses_and_its_events(client, olga):
    make_event(organizer=olga, title="Vigil at the embassy")
    html = client.get(data_path(ADDRESS)).content.decode()
    assert "Your account" in html and "olga" in html and "Joined" in html
    assert "olga.other@example.org (other, not verified)" in html
    assert "Events you organize" in html and "Vigil at the embassy" in html
    export = client.post(data_path(ADDRESS), {"action": "export"}).json()["data"]
    (account,) = export["account"]
    assert account["username"] == "olga" and account["joined"]
    assert "olga.other@example.org" in account["email_addresses"]
    assert [row["event"] for row in export["organized_events"]] == ["Vigil at the embassy"]


def test_deleting_asks_to_confirm_and_says_what_will_go_first(client, olga):
    make_event(organizer=olga)
    response = client.post(data_path(ADDRESS), {"action": "delete"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your account is deleted with its email addresses" in html
    assert "Your upcoming events are cancelled and everyone who signed up is told" in html
    assert 'name="confirmed" value="yes"' in html
    assert get_user_model().objects.filter(pk=olga.pk).exists()
    assert Event.objects.get().organizer == olga


def test_deleting_removes_the_account_its_addresses_two_factor_and_sessions(client, olga):
    TOTP.activate(olga, "JBSWY3DPEHPK3PXPTESTOLGAAAAAAAAA")
    olgas_phone, someone_else = Client(), Client()
    olgas_phone.force_login(olga)
    someone_else.force_login(make_user("someone@example.org"))
    response = client.post(data_path(ADDRESS), {"action": "delete", "confirmed": "yes"})

    assert response.status_code == 200
    assert not get_user_model().objects.filter(pk=olga.pk).exists()
    assert not EmailAddress.objects.filter(user_id=olga.pk).exists()
    assert not Authenticator.objects.filter(user_id=olga.pk).exists()
    assert not Session.objects.filter(session_key=olgas_phone.session.session_key).exists()
    assert Session.objects.filter(session_key=someone_else.session.session_key).exists()
    assert not client.login(username="olga", password="a-long-test-password")
    assert "We now hold nothing about" in response.content.decode()


def test_deleting_cancels_upcoming_events_and_tells_their_participants(client, olga):
    upcoming = make_event(organizer=olga, title="Upcoming march")
    pending = make_event(organizer=olga, status=Event.Status.PENDING)
    make_attendance(upcoming, email="coming@example.org", status=Attendance.Status.CONFIRMED)
    make_attendance(upcoming, email="maybe@example.org")

    client.post(data_path(ADDRESS), {"action": "delete", "confirmed": "yes"})

    for event in (upcoming, pending):
        event.refresh_from_db()
        assert event.status == Event.Status.CANCELLED
        assert event.organizer.username == DELETED_ORGANIZER_USERNAME
    told = OutboxEmail.objects.filter(kind="event_cancelled").values_list("to", flat=True)
    assert sorted(told) == ["coming@example.org", "maybe@example.org"]
    assert "The organizer deleted their account" in upcoming.cancellation_note


def test_past_events_stay_as_counts_only_and_no_row_is_lost(client, olga):
    event = past_event(olga, organizer_name="Olga P.", report_text="Olga here, 40 came")
    make_attendance(event, first_name="Masha", status=Attendance.Status.CONFIRMED)
    Event.objects.filter(pk=event.pk).update(turnout=40)
    OrganizerMessage.objects.create(event=event, subject="Hi", body="Call me", sent_by=olga)
    events_before = Event.objects.count()

    client.post(data_path(ADDRESS), {"action": "delete", "confirmed": "yes"})

    assert Event.objects.count() == events_before
    event.refresh_from_db()
    assert event.status == Event.Status.APPROVED
    assert (event.turnout, event.participant_count) == (40, 1)
    assert event.organizer.username == DELETED_ORGANIZER_USERNAME
    assert "Olga" not in event.organizer_name and event.report_text == ""
    assert not OrganizerMessage.objects.filter(event=event).exists()
    (attendance,) = Attendance.objects.filter(event=event)
    assert attendance.first_name == "" and attendance.erased_at is not None


def test_the_placeholder_organizer_cannot_log_in_and_is_no_ones_data(client, olga):
    past_event(olga)
    client.post(data_path(ADDRESS), {"action": "delete", "confirmed": "yes"})
    placeholder = get_user_model().objects.get(username=DELETED_ORGANIZER_USERNAME)
    assert not placeholder.is_active and not placeholder.has_usable_password()
    assert placeholder.email == ""
    assert not EmailAddress.objects.filter(user=placeholder).exists()


def test_the_done_page_never_claims_a_deletion_that_did_not_happen(client):
    make_user("mod@example.org", username="mod", is_staff=True)
    response = client.post(data_path("mod@example.org"), {"action": "delete", "confirmed": "yes"})
    html = response.content.decode()
    assert get_user_model().objects.filter(username="mod").exists()
    assert "We now hold nothing" not in html and "no longer hold" not in html
    assert "We still hold this about" in html and "Staff account" in html


def test_a_second_organizer_of_the_same_address_spelling_is_covered_too(client):
    user = make_user("Upper.Case@Example.org", username="upper")
    make_event(organizer=user)
    client.post(data_path("upper.case@example.org"), {"action": "delete", "confirmed": "yes"})
    assert not get_user_model().objects.filter(username="upper").exists()
