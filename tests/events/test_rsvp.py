import contextlib
import datetime

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from allout import privacy
from allout.models import BlockedAddress, OutboxEmail
from events import attendance_links as links
from events import errors
from events.models import Attendance, Event
from events.services import organizer as organizer_tools
from events.services import registration, reminders, rsvp
from tests.concurrency import run_concurrently
from tests.events.factories import make_attendance, make_event
from tests.outbox import decided, rendered

pytestmark = pytest.mark.django_db

FORM = {"first_name": "Masha", "email": "Masha@Example.org", "consent_organizer": "on"}


def rsvp_path(event: Event) -> str:
    return f"/events/{event.slug}/rsvp/"


def link_in(row: OutboxEmail, marker: str) -> str:
    """The path of the first link in an outbox email's text that contains `marker`."""
    for word in row.body_text.split():
        if marker in word and word.startswith("http"):
            return "/" + word.split("/", 3)[3]
    raise AssertionError(f"No link with {marker!r} in {row.kind} email")


def test_the_event_page_offers_the_rsvp_form_with_a_privacy_line(client):
    event = make_event()
    html = client.get(event.get_absolute_url()).content.decode()
    assert f'action="/events/{event.slug}/rsvp/"' in html
    for label in ["First name", "Email", "The organizer may contact me about this event"]:
        assert label in html
    assert '<label for="rsvp_first_name"' in html and '<label for="rsvp_email"' in html
    assert "we erase them 30 days after the event" in html
    assert 'class="going-count">0<' in html


def test_signing_up_creates_an_unconfirmed_attendance_and_emails_a_confirm_link(client):
    event = make_event()
    response = client.post(rsvp_path(event), FORM)
    assert response.status_code == 302
    assert response["Location"] == f"/events/{event.slug}/rsvp/sent/"
    attendance = Attendance.objects.get()
    assert attendance.status == Attendance.Status.UNCONFIRMED
    assert attendance.email_normalized == "masha@example.org"
    assert attendance.consent_organizer is True
    row = rendered().get()
    assert row.kind == "attendance_confirm" and row.to == "Masha@Example.org"
    assert "/confirm/" in link_in(row, "/events/attend/")
    event.refresh_from_db()
    assert event.participant_count == 0
    assert "Check your email" in client.get(response["Location"]).content.decode()


def test_the_event_page_itself_takes_the_rsvp_post(client):
    event = make_event()
    response = client.post(event.get_absolute_url(), FORM)
    assert response.status_code == 302
    assert Attendance.objects.filter(event=event).count() == 1


def test_opening_the_confirm_link_does_not_confirm_but_pressing_confirm_does(client):
    event = make_event()
    client.post(rsvp_path(event), FORM)
    confirm_path = link_in(rendered().get(), "/confirm/")

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert '<form method="post">' in page.content.decode()
    assert Attendance.objects.get().status == Attendance.Status.UNCONFIRMED
    event.refresh_from_db()
    assert event.participant_count == 0

    response = client.post(confirm_path)
    assert response.status_code == 302
    attendance = Attendance.objects.get()
    assert attendance.status == Attendance.Status.CONFIRMED and attendance.confirmed_at
    event.refresh_from_db()
    assert event.participant_count == 1
    assert response["Location"] == links.path(attendance, links.Purpose.VIEW)


def test_a_second_confirm_post_is_harmless_and_counts_nobody_twice(client):
    event = make_event()
    client.post(rsvp_path(event), FORM)
    confirm_path = link_in(rendered().get(kind="attendance_confirm"), "/confirm/")
    client.post(confirm_path)
    second = client.post(confirm_path)
    assert second.status_code == 302
    event.refresh_from_db()
    assert event.participant_count == 1
    assert rendered().filter(kind="attendance_confirmed").count() == 1
    assert "already confirmed" in client.get(confirm_path).content.decode()


def test_one_gmail_address_counts_once_per_event_however_it_is_spelled(client):
    event = make_event()
    client.post(rsvp_path(event), {**FORM, "email": "janedoe@gmail.com"})
    client.post(rsvp_path(event), {**FORM, "email": "Jane.Doe+x@gmail.com"})
    attendance = Attendance.objects.get()
    assert attendance.email == "janedoe@gmail.com"
    assert attendance.email_normalized == "janedoe@gmail.com"
    client.post(link_in(rendered().get(), "/confirm/"))
    client.post(rsvp_path(event), {**FORM, "email": "jane.doe@googlemail.com"})
    assert Attendance.objects.count() == 1
    event.refresh_from_db()
    assert event.participant_count == 1


def test_one_email_counts_once_per_event_whatever_its_case(client):
    event = make_event()
    client.post(rsvp_path(event), FORM)
    client.post(rsvp_path(event), {**FORM, "email": "  masha@EXAMPLE.org "})
    assert Attendance.objects.count() == 1
    client.post(link_in(rendered().get(), "/confirm/"))
    client.post(rsvp_path(event), {**FORM, "email": "MASHA@example.org"})
    assert Attendance.objects.count() == 1
    event.refresh_from_db()
    assert event.participant_count == 1


def test_the_same_email_may_sign_up_for_two_events(client):
    first, second = make_event(), make_event()
    client.post(rsvp_path(first), FORM)
    client.post(rsvp_path(second), FORM)
    assert Attendance.objects.count() == 2


def test_an_unconfirmed_repeat_resends_the_confirmation_at_most_once_an_hour(client):
    event = make_event()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post(rsvp_path(event), FORM)
        client.post(rsvp_path(event), FORM)
        clock.shift(datetime.timedelta(minutes=59))
        client.post(rsvp_path(event), FORM)
        assert rendered().filter(kind="attendance_confirm").count() == 1
        clock.shift(datetime.timedelta(minutes=2))
        client.post(rsvp_path(event), FORM)
        assert rendered().filter(kind="attendance_confirm").count() == 2
        client.post(rsvp_path(event), FORM)
        assert rendered().filter(kind="attendance_confirm").count() == 2


def test_a_confirmed_repeat_sees_the_same_page_and_nothing_is_sent(client):
    event = make_event()
    attendance = make_attendance(event, email="masha@example.org", status="confirmed")
    before = rendered().count()
    fresh = client.post(rsvp_path(event), {**FORM, "email": "new@example.org"}, follow=True)
    repeat = client.post(rsvp_path(event), FORM, follow=True)
    assert rendered().count() == before + 1  # only the new address got an email
    assert fresh.content == repeat.content  # the page reveals nothing about who is coming
    attendance.refresh_from_db()
    assert attendance.first_name != "Masha"  # a repeat cannot rename a participant


def test_an_old_confirm_link_still_works_after_a_resend(client):
    event = make_event()
    client.post(rsvp_path(event), FORM)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        client.post(rsvp_path(event), FORM)
        decided()  # the worker takes the repeat at once
    first, _second = rendered().filter(kind="attendance_confirm").order_by("pk")
    client.post(link_in(first, "/confirm/"))
    assert Attendance.objects.get().is_confirmed()


@pytest.mark.parametrize(
    "status", [Event.Status.PENDING, Event.Status.REJECTED, Event.Status.CANCELLED]
)
def test_an_event_that_is_not_approved_takes_no_rsvp(client, status):
    event = make_event(status=status)
    client.force_login(event.organizer)  # the organizer may see their own event's page
    response = client.post(rsvp_path(event), FORM)
    assert response.status_code == 409
    assert "Sign-ups are closed" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_stranger_gets_404_for_an_unapproved_events_rsvp(client):
    event = make_event(status=Event.Status.PENDING)
    assert client.post(rsvp_path(event), FORM).status_code == 404


def test_an_event_that_has_ended_takes_no_rsvp(client):
    start = timezone.now() - datetime.timedelta(hours=3)
    event = make_event(starts_at=start, ends_at=start + datetime.timedelta(hours=1))
    response = client.post(rsvp_path(event), FORM)
    assert response.status_code == 409
    assert "This event is over" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_bad_form_shows_its_errors_with_a_400(client):
    event = make_event()
    response = client.post(rsvp_path(event), {"first_name": "", "email": "not-an-email"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html and "Enter a valid email address." in html
    assert not Attendance.objects.exists()


def test_rsvps_are_rate_limited_per_client(client):
    event = make_event()
    statuses = [
        client.post(rsvp_path(event), {**FORM, "email": f"p{i}@example.org"}).status_code
        for i in range(11)
    ]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    assert Attendance.objects.count() == 10


def test_a_forged_or_tampered_link_is_a_404(client):
    event = make_event()
    attendance = make_attendance(event)
    confirm_token = links.token(attendance, links.Purpose.CONFIRM)
    assert client.get(f"/events/attend/{confirm_token}x/confirm/").status_code == 404
    assert client.post("/events/attend/garbage/confirm/").status_code == 404
    # A link signed for one purpose does not work for another.
    assert client.post(f"/events/attend/{confirm_token}/cancel/").status_code == 404
    assert client.get(f"/events/attend/{confirm_token}/").status_code == 404


def test_links_in_emails_sent_before_the_shared_link_module_still_work(client):
    # Tokens made as the first emails made them: signing.dumps(pk) with the purpose's salt.
    attendance = make_attendance(make_event())
    for purpose, suffix in [("view", ""), ("confirm", "confirm/"), ("cancel", "cancel/")]:
        token = signing.dumps(attendance.pk, salt=f"events.attendance.{purpose}")
        assert token == links.token(attendance, links.Purpose(purpose))
        assert client.get(f"/events/attend/{token}/{suffix}").status_code == 200


def test_confirming_after_the_event_was_cancelled_is_refused(client):
    event = make_event()
    attendance = make_attendance(event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    response = client.post(links.path(attendance, links.Purpose.CONFIRM))
    assert response.status_code == 409
    attendance.refresh_from_db()
    assert attendance.status == Attendance.Status.UNCONFIRMED


# --- Cancelling ------------------------------------------------------------------------------
# Signed links carry a timestamp: the clock stands still so the links compare equal.
@time_machine.travel(datetime.datetime(2099, 3, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_every_email_to_a_participant_carries_a_cancel_link_and_a_data_link(client):
    event = make_event()
    client.post(rsvp_path(event), FORM)
    client.post(link_in(rendered().get(), "/confirm/"))
    attendance = Attendance.objects.get()
    reminders.send_reminders()  # nothing due yet
    organizer_tools.message_participants(event, event.organizer, subject="Hi", body="See you")
    before = Event.objects.get(pk=event.pk)
    event.meeting_point = "By the north gate"
    event.save()
    registration.notify_change(before, event)
    rendered()  # the worker sends each at once: before the event is cancelled
    organizer_tools.cancel_event(event, event.organizer, note="Rain")
    rows = rendered().filter(to=attendance.email)
    assert {r.kind for r in rows} == {
        "attendance_confirm",
        "attendance_confirmed",
        "organizer_message",
        "event_changed",
        "event_cancelled",
    }
    cancel_url = links.url(attendance, links.Purpose.CANCEL)
    data_url = privacy.data_request_url(attendance.email)
    for row in rows:
        assert cancel_url in row.body_text and cancel_url in row.body_html, row.kind
        assert data_url in row.body_text and data_url in row.body_html, row.kind
        assert row.headers["List-Unsubscribe"] == f"<{cancel_url}>"


def test_cancelling_is_a_button_post_that_uncounts_a_confirmed_participant(client):
    event = make_event()
    attendance = make_attendance(event, status="confirmed")
    cancel_path = links.path(attendance, links.Purpose.CANCEL)
    page = client.get(cancel_path)
    assert "Cancel my sign-up" in page.content.decode()
    attendance.refresh_from_db()
    assert attendance.is_confirmed()

    assert client.post(cancel_path).status_code == 200
    assert client.post(cancel_path).status_code == 200  # twice is harmless
    attendance.refresh_from_db()
    assert attendance.status == Attendance.Status.CANCELLED and attendance.cancelled_at
    event.refresh_from_db()
    assert event.participant_count == 0


def test_cancelling_an_unconfirmed_sign_up_leaves_the_count_alone(client):
    event = make_event()
    make_attendance(event, status="confirmed")
    unconfirmed = make_attendance(event)
    client.post(links.path(unconfirmed, links.Purpose.CANCEL))
    event.refresh_from_db()
    assert event.participant_count == 1


def test_a_cancelled_participant_can_sign_up_again_and_gets_a_fresh_confirmation(client):
    event = make_event()
    attendance = make_attendance(event, email="masha@example.org", status="confirmed")
    rsvp.cancel(attendance)
    client.post(rsvp_path(event), FORM)
    decided()  # the worker takes the repeat
    attendance.refresh_from_db()
    assert attendance.status == Attendance.Status.UNCONFIRMED
    assert attendance.first_name == "Masha"
    assert rendered().filter(kind="attendance_confirm").count() == 1
    client.post(links.path(attendance, links.Purpose.CONFIRM))
    event.refresh_from_db()
    assert event.participant_count == 1


def test_the_old_confirm_link_of_a_cancelled_sign_up_does_not_count_it_again(client):
    event = make_event()
    attendance = make_attendance(event)
    rsvp.cancel(attendance)
    response = client.post(links.path(attendance, links.Purpose.CONFIRM))
    assert response.status_code == 409
    event.refresh_from_db()
    assert event.participant_count == 0


# --- Where the exact meeting point shows -----------------------------------------------------
def hidden_event() -> Event:
    return make_event(
        hide_exact_location=True, meeting_point="Behind the blue kiosk", address="Trafalgar Square"
    )


def test_the_public_never_sees_a_hidden_meeting_point(client):
    event = hidden_event()
    html = client.get(event.get_absolute_url()).content.decode()
    assert "Behind the blue kiosk" not in html and "Trafalgar Square" not in html
    assert "London" in html


def test_the_confirmation_request_keeps_the_meeting_point_hidden(client):
    event = hidden_event()
    client.post(rsvp_path(event), FORM)
    row = rendered().get()
    assert "Behind the blue kiosk" not in row.body_text + row.body_html
    assert "as soon as you confirm" in row.body_text


def test_a_point_hidden_after_the_sign_up_is_kept_from_its_confirmation_request(client):
    """The worker renders the email: an organizer who hides the point between someone's
    sign-up and the send is obeyed, though the point was public when they signed up."""
    event = make_event(meeting_point="Behind the blue kiosk", address="Trafalgar Square")
    client.post(rsvp_path(event), FORM)
    Event.objects.filter(pk=event.pk).update(hide_exact_location=True)
    row = rendered().get()
    assert "Behind the blue kiosk" not in row.body_text + row.body_html
    assert "Trafalgar Square" not in row.body_text + row.body_html


def test_a_confirmed_participant_gets_the_meeting_point_by_email_and_on_their_page(client):
    event = hidden_event()
    client.post(rsvp_path(event), FORM)
    client.post(link_in(rendered().get(), "/confirm/"))
    confirmed = rendered().get(kind="attendance_confirmed")
    assert "Behind the blue kiosk" in confirmed.body_text
    assert "Behind the blue kiosk" in confirmed.body_html
    page = client.get(link_in(confirmed, "/events/attend/"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Behind the blue kiosk" in html and "Trafalgar Square" in html
    assert "noindex" in html and page["Cache-Control"].startswith("max-age=0")
    point = event.point
    assert f"[[{point.y}, {point.x}," in html  # the map pins the exact place


def test_an_unconfirmed_or_cancelled_participants_page_keeps_the_meeting_point_hidden(client):
    event = hidden_event()
    unconfirmed = make_attendance(event)
    cancelled = make_attendance(event, status="confirmed")
    rsvp.cancel(cancelled)
    for attendance in (unconfirmed, cancelled):
        html = client.get(links.path(attendance, links.Purpose.VIEW)).content.decode()
        assert "Behind the blue kiosk" not in html, attendance.status
        assert f"{event.point.y:.6f}" not in html and f"{event.point.y}" not in html
        # The public area only, as on the event page: no pin.
        assert 'data-map-points="[]"' in html
        assert f'data-lat="{event.public_point.y:.6f}"' in html and 'data-area-m="1000"' in html


def test_a_confirmed_participants_page_keeps_the_point_hidden_once_staff_unpublish_it(client):
    """Staff take down an event they fear is compromised and its organizer moves the point
    meanwhile: the participants' links show the new point to nobody (the emails that carry
    the point are held back the same way)."""
    event = hidden_event()
    attendance = make_attendance(event, status="confirmed")
    path = links.path(attendance, links.Purpose.VIEW)
    assert "Behind the blue kiosk" in client.get(path).content.decode()
    for status in (Event.Status.PENDING, Event.Status.CANCELLED):
        Event.objects.filter(pk=event.pk).update(status=status, meeting_point="Under the bridge")
        html = client.get(path).content.decode()
        assert "Under the bridge" not in html and "Behind the blue kiosk" not in html, status
        assert 'data-map-points="[]"' in html


def test_a_shown_meeting_point_is_in_every_email_and_page(client):
    event = make_event(hide_exact_location=False, meeting_point="By the lions")
    client.post(rsvp_path(event), FORM)
    assert "By the lions" in rendered().get().body_text
    assert "By the lions" in client.get(event.get_absolute_url()).content.decode()


def test_the_going_count_on_the_event_page_follows_confirmations(client):
    event = make_event()
    make_attendance(event, status="confirmed")
    make_attendance(event, status="confirmed")
    make_attendance(event)
    html = client.get(event.get_absolute_url()).content.decode()
    assert 'class="going-count">2<' in html


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_racing_count_the_participant_once():
    event = make_event()
    attendance = make_attendance(event)
    run_concurrently(rsvp.confirm, [(attendance,)] * 4)
    event.refresh_from_db()
    assert event.participant_count == 1
    assert rendered().filter(kind="attendance_confirmed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_count_equals_the_confirmed_rows_after_confirms_and_cancels_race():
    event = make_event()
    # Each sign-up is confirmed and cancelled at once by two threads (both orders may win),
    # while others are only confirmed or only cancelled after being confirmed.
    racing = [make_attendance(event) for _ in range(6)]
    leaving = [make_attendance(event, status=Attendance.Status.CONFIRMED) for _ in range(3)]
    jobs = [(rsvp.confirm, a) for a in racing]
    jobs += [(rsvp.cancel, a) for a in racing + leaving]

    def run(step, attendance):
        # Confirming a sign-up cancelled a moment before is refused.
        with contextlib.suppress(errors.EventsError):
            step(attendance)

    run_concurrently(run, jobs)
    event.refresh_from_db()
    confirmed = Attendance.objects.filter(event=event, status=Attendance.Status.CONFIRMED).count()
    assert event.participant_count == confirmed


def test_an_rsvp_takes_one_query_once_the_caches_are_warm(client, django_assert_num_queries):
    event = make_event()
    client.post(rsvp_path(event), {**FORM, "email": "warm@example.org"})  # fills the caches
    # No query for the event (for a visitor who is not logged in, only what a sign-up reads,
    # from the cache under the map's version: events.access.get_event_to_rsvp), none for
    # whether anything is blocked (held in the process for a few seconds by
    # allout.cache.local, and in Redis; asked by the service and by the email, it costs
    # nothing the second time; the address itself is not looked up when nothing is blocked),
    # none for the sign-up's id (taken fifty at a time: allout.rows.next_id), then one
    # statement (allout.mail.insert_new_with_email): the sign-up's INSERT ... ON CONFLICT DO
    # NOTHING (a repeat would lock the existing row instead), the recipient's mail budget
    # (its lock and count) and the email's outbox row, all or nothing. Nothing is published
    # from the request: the relay does it. (Before: eleven, with a locking SELECT, a
    # savepoint around the INSERT, the budget's lock and count apart, and an UPDATE for the
    # time the email was queued; then six, with the event's SELECT and a transaction.)
    with django_assert_num_queries(1):
        assert client.post(rsvp_path(event), FORM).status_code == 302


def test_a_cancelled_event_stops_taking_sign_ups_at_once_though_it_was_cached(
    client, organizer, django_capture_on_commit_callbacks
):
    event = make_event(organizer=organizer)
    client.post(rsvp_path(event), {**FORM, "email": "warm@example.org"})  # kept for sign-ups
    with django_capture_on_commit_callbacks(execute=True):
        event.status = event.Status.CANCELLED
        event.save()
    response = client.post(rsvp_path(event), FORM)
    assert response.status_code == 404  # no longer public
    assert not event.attendances.filter(email=FORM["email"]).exists()


def test_with_blocks_on_the_list_an_rsvp_asks_about_its_address_once(
    client, django_assert_num_queries
):
    BlockedAddress.objects.create(kind=BlockedAddress.Kind.DOMAIN, value="spam.example")
    event = make_event()
    client.post(rsvp_path(event), {**FORM, "email": "warm@example.org"})  # fills the caches
    # The one above and one: whether this address or its domain is blocked, asked by the
    # service; the confirmation email is told so and does not ask again.
    with django_assert_num_queries(2):
        assert client.post(rsvp_path(event), FORM).status_code == 302
    assert rendered().filter(to=FORM["email"]).count() == 1
