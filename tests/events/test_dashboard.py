import csv
import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from events import errors
from events.models import Attendance, Event, OrganizerMessage
from events.services import organizer as organizer_tools
from events.services import registration
from tests.conftest import log_in_with_two_factor, make_user
from tests.events.factories import make_attendance, make_event, make_organizer
from tests.outbox import rendered

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(organizer):
    event = make_event(organizer=organizer, title="Vigil at the embassy")
    make_attendance(event, first_name="Masha", email="masha@example.org", status="confirmed")
    make_attendance(
        event,
        first_name="Lev",
        email="lev@example.org",
        status="confirmed",
        consent_organizer=True,
    )
    make_attendance(event, first_name="Unsure", email="unsure@example.org")
    return event


def organizer_pages(event: Event) -> list[str]:
    base = f"/events/mine/{event.slug}/"
    return [base, base + "participants.csv", base + "message/", base + "cancel/", base + "outcome/"]


# --- Access ---------------------------------------------------------------------------------
def test_the_dashboard_lists_the_organizers_own_events_with_status_and_counts(client, event):
    make_event(title="Someone else's rally")
    make_event(organizer=event.organizer, title="Second one", status=Event.Status.PENDING)
    client.force_login(event.organizer)
    html = client.get("/events/mine/").content.decode()
    assert "Vigil at the embassy" in html and "Second one" in html
    assert "Someone else" not in html
    assert "Pending review" in html and "Approved" in html
    assert '<td class="number">2</td>' in html


def test_the_organizer_sees_their_participants_names_emails_and_consent(client, event):
    client.force_login(event.organizer)
    response = client.get(f"/events/mine/{event.slug}/")
    html = response.content.decode()
    assert "masha@example.org" in html and "Masha" in html and "lev@example.org" in html
    assert "unsure@example.org" not in html  # unconfirmed addresses are not proven
    assert "1 more signed up but has not confirmed" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_staff_with_two_factor_and_the_permission_see_any_events_participants(
    client, event, staff_user
):
    log_in_with_two_factor(client, staff_user)  # a superuser: every permission
    for path in organizer_pages(event)[:3]:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("who", ["stranger", "another organizer"])
def test_a_stranger_and_another_organizer_get_404_on_every_organizer_page(client, event, who):
    if who == "stranger":
        intruder = make_user("stranger@example.org")
    else:
        intruder = make_organizer()
        make_event(organizer=intruder)
    client.force_login(intruder)
    for path in organizer_pages(event):
        assert client.get(path).status_code == 404, path
    for path in organizer_pages(event)[2:]:
        assert client.post(path, {"subject": "x", "body": "y", "turnout": 3}).status_code == 404
    assert rendered().filter(kind="organizer_message").count() == 0
    event.refresh_from_db()
    assert event.status == Event.Status.APPROVED


def test_anonymous_visitors_are_sent_to_log_in(client, event):
    for path in ["/events/mine/", *organizer_pages(event)]:
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_no_public_page_shows_a_participants_name_or_email(client, event):
    html = client.get(event.get_absolute_url()).content.decode()
    html += client.get(f"/events/{event.slug}/rsvp/").content.decode()
    for secret in ["Masha", "masha@example.org", "lev@example.org", "organizer@example.org"]:
        assert secret not in html


# --- CSV --------------------------------------------------------------------------------------
def download(client, event) -> list[list[str]]:
    response = client.get(f"/events/mine/{event.slug}/participants.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_lists_confirmed_participants(client, event):
    client.force_login(event.organizer)
    header, *rows = download(client, event)
    assert header[:3] == ["First name", "Email", "May be contacted by the organizer"]
    assert [row[:3] for row in rows] == [
        ["Masha", "masha@example.org", "no"],
        ["Lev", "lev@example.org", "yes"],
    ]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(client, event, name):
    make_attendance(event, first_name=name, email="formula@example.org", status="confirmed")
    client.force_login(event.organizer)
    rows = download(client, event)
    cells = [row[0] for row in rows if row[1] == "formula@example.org"]
    assert cells == ["'" + name]


def test_the_participant_list_and_dashboard_run_a_fixed_number_of_queries(
    client, organizer, django_assert_num_queries
):
    events = [make_event(organizer=organizer) for _ in range(5)]
    for _ in range(8):
        make_attendance(events[0], status="confirmed")
    client.force_login(organizer)
    # session, user, events
    with django_assert_num_queries(3):
        assert client.get("/events/mine/").status_code == 200
    # session, user, event, waiting count, messages today, demand nearby, participants,
    # sent messages
    with django_assert_num_queries(8):
        assert client.get(f"/events/mine/{events[0].slug}/").status_code == 200
    # session, user, event, participants
    with django_assert_num_queries(4):
        download(client, events[0])


# --- Messages ---------------------------------------------------------------------------------
def test_a_message_goes_to_every_confirmed_participant_through_the_outbox(client, event):
    client.force_login(event.organizer)
    response = client.post(
        f"/events/mine/{event.slug}/message/", {"subject": "Bring water", "body": "It is hot."}
    )
    assert response.status_code == 302
    rows = rendered().filter(kind="organizer_message")
    assert sorted(r.to for r in rows) == ["lev@example.org", "masha@example.org"]
    assert all("It is hot." in r.body_text and "Bring water" in r.subject for r in rows)
    assert all(r.reply_to == "" and "organizer@example.org" not in r.body_text for r in rows)
    message = OrganizerMessage.objects.get()
    assert message.recipients == 2 and message.sent_by == event.organizer


def test_an_organizer_may_send_three_messages_a_day_per_event(client, event):
    client.force_login(event.organizer)
    path = f"/events/mine/{event.slug}/message/"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for i in range(3):
            assert client.post(path, {"subject": f"#{i}", "body": "b"}).status_code == 302
        refused = client.post(path, {"subject": "#4", "body": "b"})
        assert refused.status_code == 429
        assert "3 messages in the last 24 hours" in refused.content.decode()
        assert OrganizerMessage.objects.count() == 3
        clock.shift(datetime.timedelta(hours=24, minutes=1))
        assert client.post(path, {"subject": "#5", "body": "b"}).status_code == 302
    assert rendered().filter(kind="organizer_message").count() == 4 * 2


def test_the_limit_is_per_event(event):
    other = make_event(organizer=event.organizer)
    make_attendance(other, status="confirmed")
    for i in range(3):
        organizer_tools.message_participants(event, event.organizer, subject=f"{i}", body="b")
    organizer_tools.message_participants(other, event.organizer, subject="x", body="b")
    with pytest.raises(errors.MessageLimitReached):
        organizer_tools.message_participants(event, event.organizer, subject="4", body="b")


def test_a_message_with_nobody_to_receive_it_is_refused(client, organizer):
    lonely = make_event(organizer=organizer)
    client.force_login(organizer)
    response = client.post(f"/events/mine/{lonely.slug}/message/", {"subject": "s", "body": "b"})
    assert response.status_code == 409
    assert not OrganizerMessage.objects.exists()


# --- Cancelling the event -------------------------------------------------------------------
def test_cancelling_the_event_tells_everyone_who_signed_up(client, event):
    client.force_login(event.organizer)
    response = client.post(f"/events/mine/{event.slug}/cancel/", {"note": "Storm warning."})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED and event.cancelled_at
    rows = rendered().filter(kind="event_cancelled")
    assert sorted(r.to for r in rows) == [
        "lev@example.org",
        "masha@example.org",
        "unsure@example.org",
    ]
    assert all("Storm warning." in r.body_text for r in rows)
    again = client.post(f"/events/mine/{event.slug}/cancel/", {"note": ""})
    assert again.status_code == 409
    assert rendered().filter(kind="event_cancelled").count() == 3


def test_a_cancelled_event_takes_no_more_sign_ups(client, event):
    organizer_tools.cancel_event(event, event.organizer)
    response = client.post(
        f"/events/{event.slug}/rsvp/", {"first_name": "Late", "email": "late@example.org"}
    )
    assert response.status_code == 404  # cancelled events have no public page
    client.force_login(event.organizer)
    response = client.post(
        f"/events/{event.slug}/rsvp/", {"first_name": "Late", "email": "late@example.org"}
    )
    assert response.status_code == 409


# --- Changes of time or place -----------------------------------------------------------------
def test_moving_an_approved_event_emails_every_confirmed_participant(event):
    before = Event.objects.get(pk=event.pk)
    event.starts_at += datetime.timedelta(hours=2)
    event.ends_at += datetime.timedelta(hours=2)
    event.save()
    assert registration.what_changed(before, event) == {"starts_at", "ends_at"}
    assert registration.notify_change(before, event).notified == 2
    rows = rendered().filter(kind="event_changed")
    assert sorted(r.to for r in rows) == ["lev@example.org", "masha@example.org"]
    assert "changed the time" in rows[0].body_text


def test_a_change_that_is_not_time_or_place_emails_nobody(event):
    before = Event.objects.get(pk=event.pk)
    event.title, event.description = "Another title", "Another description."
    assert registration.notify_change(before, event).notified == 0
    pending = make_event(status=Event.Status.PENDING)
    before = Event.objects.get(pk=pending.pk)
    pending.starts_at += datetime.timedelta(hours=1)
    assert registration.notify_change(before, pending).notified == 0
    assert not rendered().filter(kind="event_changed").exists()


def test_the_dashboard_links_to_the_edit_page(client, event):
    edit_path = reverse("events:edit", args=[event.slug])
    client.force_login(event.organizer)
    html = client.get(f"/events/mine/{event.slug}/").content.decode()
    assert f'href="{edit_path}"' in html


# --- The outcome after the day --------------------------------------------------------------
def photo_with_gps(size=(3000, 2000)) -> SimpleUploadedFile:
    image = Image.new("RGB", size, "purple")
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # taken with the phone on its side
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 26.0),
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def past_event(organizer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    start = timezone.now() - datetime.timedelta(days=1)
    return make_event(
        organizer=organizer, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )


def test_the_outcome_form_opens_only_after_the_event(client, event):
    client.force_login(event.organizer)
    response = client.post(f"/events/mine/{event.slug}/outcome/", {"turnout": 40})
    assert response.status_code == 409
    event.refresh_from_db()
    assert event.turnout is None


def test_an_outcome_photo_is_shrunk_and_loses_its_location_and_other_metadata(client, past_event):
    client.force_login(past_event.organizer)
    response = client.post(
        f"/events/mine/{past_event.slug}/outcome/",
        {"turnout": 120, "report_text": "Loud and proud.", "photo": photo_with_gps()},
    )
    assert response.status_code == 302
    past_event.refresh_from_db()
    assert past_event.turnout == 120 and past_event.reported_at
    with Image.open(past_event.report_photo.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 1600
        assert stored.height > stored.width  # turned upright before the tag was dropped
        exif = stored.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert len(exif) == 0
        assert "exif" not in stored.info


def test_the_outcome_shows_on_the_public_page(client, past_event):
    organizer_tools.save_outcome(
        past_event, past_event.organizer, turnout=75, text="We were heard.", photo=None,
        remove_photo=False,
    )  # fmt: skip
    html = client.get(past_event.get_absolute_url()).content.decode()
    assert "75 people came." in html and "We were heard." in html


def test_a_file_that_is_not_a_photo_is_refused_with_a_clear_message(client, past_event):
    client.force_login(past_event.organizer)
    fake = SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    response = client.post(
        f"/events/mine/{past_event.slug}/outcome/", {"turnout": 3, "photo": fake}
    )
    assert response.status_code == 400
    assert "Upload a valid image" in response.content.decode()
    past_event.refresh_from_db()
    assert past_event.reported_at is None


def test_an_outcome_needs_a_turnout_that_is_not_negative(client, past_event):
    client.force_login(past_event.organizer)
    response = client.post(f"/events/mine/{past_event.slug}/outcome/", {"turnout": -5})
    assert response.status_code == 400
    assert Attendance.objects.count() == 0


def test_moving_the_meeting_point_tells_participants_the_new_place(event):
    before = Event.objects.get(pk=event.pk)
    event.meeting_point = "At the north gate"
    event.save()
    assert registration.what_changed(before, event) == {"meeting_point"}
    registration.notify_change(before, event)
    row = rendered().filter(kind="event_changed").first()
    assert "changed the place" in row.body_text and "At the north gate" in row.body_text
