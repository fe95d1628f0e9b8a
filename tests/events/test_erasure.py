import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from allout import privacy
from events import attendance_links as links
from events.models import Attendance
from events.services import erasure, rsvp
from events.tasks import erase_past_participants
from tests.events.factories import make_attendance, make_event

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def past_event(days_ago: float):
    ends = timezone.now() - datetime.timedelta(days=days_ago)
    return make_event(starts_at=ends - datetime.timedelta(hours=2), ends_at=ends)


def test_erasure_removes_names_and_emails_after_the_retention_period_and_keeps_counts():
    old = past_event(31)
    recent = past_event(29)
    confirmed = make_attendance(
        old, first_name="Masha", email="Masha@example.org", status="confirmed"
    )
    cancelled = make_attendance(old, first_name="Lev", email="lev@example.org", status="cancelled")
    kept = make_attendance(recent, first_name="Ira", email="ira@example.org", status="confirmed")

    assert erase_past_participants() == 2  # the Celery task, as beat runs it

    confirmed.refresh_from_db()
    assert confirmed.first_name == ""
    assert confirmed.email == confirmed.email_normalized == f"erased-{confirmed.pk}@invalid"
    assert confirmed.erased_at is not None
    assert confirmed.status == Attendance.Status.CONFIRMED  # still counted
    cancelled.refresh_from_db()
    assert cancelled.email == f"erased-{cancelled.pk}@invalid"
    old.refresh_from_db()
    assert old.participant_count == 1
    kept.refresh_from_db()
    assert kept.first_name == "Ira" and kept.erased_at is None
    assert not Attendance.objects.filter(email_normalized__contains="example.org", event=old)


def test_erasure_runs_once_per_row():
    event = past_event(40)
    attendance = make_attendance(event, status="confirmed")
    erasure.erase_past_participants()
    attendance.refresh_from_db()
    first_erased_at = attendance.erased_at
    with time_machine.travel(timezone.now() + DAY):
        assert erasure.erase_past_participants() == 0
    attendance.refresh_from_db()
    assert attendance.erased_at == first_erased_at


def test_the_retention_period_is_a_setting(settings):
    settings.PARTICIPANT_RETENTION_DAYS = 3
    make_attendance(past_event(4))
    make_attendance(past_event(2))
    assert erasure.erase_past_participants() == 1


def test_the_management_command_erases_on_demand():
    make_attendance(past_event(2), first_name="Masha")
    call_command("erase_participants")
    assert Attendance.objects.get().first_name == "Masha"
    call_command("erase_participants", "--days", "1")
    assert Attendance.objects.get().first_name == ""


def test_erased_participants_can_no_longer_use_their_links_nor_appear_in_lists(client):
    event = past_event(31)
    attendance = make_attendance(event, status="confirmed")
    view_path = links.path(attendance, links.Purpose.VIEW)
    assert client.get(view_path).status_code == 200
    erasure.erase_past_participants()
    assert client.get(view_path).status_code == 404
    client.force_login(event.organizer)
    html = client.get(f"/events/mine/{event.slug}/").content.decode()
    assert "@invalid" not in html and attendance.email not in html


def test_the_data_page_shows_and_erases_a_persons_sign_ups(client):
    event = make_event(title="Vigil")
    make_attendance(event, first_name="Masha", email="masha@example.org", status="confirmed")
    make_attendance(make_event(), email="someone.else@example.org")
    path = privacy.data_request_url("MASHA@example.org").removeprefix("http://127.0.0.1:8000")
    html = client.get(path).content.decode()
    assert "Vigil" in html and "Masha" in html

    response = client.post(path, {"action": "delete", "confirmed": "yes"})
    assert response.status_code == 200
    assert not Attendance.objects.filter(email_normalized="masha@example.org").exists()
    assert Attendance.objects.filter(email_normalized="someone.else@example.org").exists()
    event.refresh_from_db()
    assert event.participant_count == 1


def test_someone_whose_data_was_erased_can_sign_up_again():
    event = make_event()
    make_attendance(event, email="masha@example.org", status="confirmed")
    erasure.erase_personal_data("masha@example.org")
    rsvp.rsvp(event, first_name="Masha", email="masha@example.org", consent_organizer=False)
    assert Attendance.objects.current().get().status == Attendance.Status.UNCONFIRMED


@pytest.mark.parametrize("purpose", list(links.Purpose))
def test_every_link_of_an_erased_sign_up_is_a_404_for_reading_and_for_posting(client, purpose):
    attendance = make_attendance(past_event(31), status="confirmed")
    path = links.path(attendance, purpose)
    assert client.get(path).status_code == 200
    erasure.erase_past_participants()
    assert client.get(path).status_code == 404
    assert client.post(path).status_code in {404, 405}
    attendance.refresh_from_db()
    assert attendance.status == "confirmed"  # a cancel link of an erased row changes nothing


@pytest.mark.parametrize("purpose", list(links.Purpose))
def test_links_stop_working_once_the_person_erases_their_data(client, purpose):
    attendance = make_attendance(make_event(), email="masha@example.org")
    erasure.erase_personal_data("masha@example.org")
    assert client.get(links.path(attendance, purpose)).status_code == 404
