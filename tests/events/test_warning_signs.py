"""Staff's warning signs of infiltration (issue 10, section 5): each says what it saw, shows
no participant's address, and blocks nobody."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from events.models import Attendance, Event
from events.services import rsvp, warning_signs
from events.services.warning_signs import address_label
from tests.conftest import make_user
from tests.events.factories import make_attendance, make_event, make_organizer

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/events/event/"
SIGNALS = "/admin/events/event/signals/"


@pytest.fixture
def moderator_client(client, staff_user):
    client.force_login(staff_user)
    return client


def signs(event: Event) -> list[str]:
    annotated = warning_signs.annotate(Event.objects.filter(pk=event.pk)).get()
    return warning_signs.signs_of(annotated)


def at(attendance: Attendance, moment: datetime.datetime) -> None:
    Attendance.objects.filter(pk=attendance.pk).update(created_at=moment)


def test_one_address_signing_up_in_three_cities_is_a_sign_with_a_label_not_the_address(
    moderator_client,
):
    events = [make_event(place=place) for place in ("london", "new-york", "sao-paulo")]
    spellings = ["Vera.S@gmail.com", "veras@gmail.com", "verAS+x@gmail.com"]
    for event, spelling in zip(events, spellings, strict=True):
        make_attendance(event, email=spelling)
    make_attendance(events[0], email="someone@example.org")
    assert signs(events[0]) == ["1 participant also signed up in 2 or more other cities"]

    html = moderator_client.get(SIGNALS).content.decode()
    label = address_label("veras@gmail.com")
    assert f"<code>{label}</code>" in html
    assert "London, GB; New York, US; São Paulo, BR" in html
    assert "<td>3</td>" in html
    for spelling in ("vera", "Vera", "verAS", "someone@example.org"):
        assert spelling not in html
    queue = moderator_client.get(CHANGELIST, {"status": "all"}).content.decode()
    assert "also signed up in 2 or more other cities" in queue and "vera" not in queue.lower()


def test_two_cities_are_not_yet_a_sign(db):
    first, second = make_event(place="london"), make_event(place="new-york")
    make_attendance(first, email="traveller@example.org")
    make_attendance(second, email="traveller@example.org")
    assert signs(first) == []


def test_a_burst_of_sign_ups_says_how_many_in_what_window(moderator_client):
    event = make_event(title="Flooded vigil")
    start = timezone.now() - datetime.timedelta(hours=5)
    confirmed = Attendance.Status.CONFIRMED
    for n in range(15):
        at(make_attendance(event, status=confirmed), start + datetime.timedelta(seconds=30 * n))
    # Spread over hours, as people really come: no sign from these.
    quiet = make_event()
    for n in range(20):
        at(make_attendance(quiet, status=confirmed), start - datetime.timedelta(hours=n))

    assert signs(event) == ["15 sign-ups within 10 minutes"]
    assert signs(quiet) == []
    html = moderator_client.get(SIGNALS).content.decode()
    assert 'class="signal-burst"' in html and "Flooded vigil" in html
    assert start.strftime("%Y-%m-%d %H:%M") in html


def test_new_accounts_registering_events_at_one_embassy_is_a_sign(moderator_client, embassy):
    events = [
        make_event(
            organizer=make_organizer(),
            kind=Event.Kind.EMBASSY,
            embassy=embassy,
            lat=embassy.point.y,
            lng=embassy.point.x + 0.001 * n,
            status=Event.Status.PENDING,
        )
        for n in range(3)
    ]
    assert signs(events[0]) == ["3 events by new accounts at this embassy (within 1000 m)"]
    html = moderator_client.get(SIGNALS).content.decode()
    assert 'class="signal-embassy"' in html and embassy.name in html


def test_old_accounts_at_one_embassy_are_not_a_sign(embassy):
    events = []
    for _ in range(3):
        organizer = make_organizer()
        organizer.date_joined = timezone.now() - datetime.timedelta(days=60)
        organizer.save(update_fields=["date_joined"])
        events.append(
            make_event(
                organizer=organizer,
                kind=Event.Kind.EMBASSY,
                embassy=embassy,
                lat=embassy.point.y,
                lng=embassy.point.x,
            )
        )
    assert signs(events[0]) == []


def test_a_participant_list_that_is_mostly_unconfirmed_is_a_sign(moderator_client):
    event = make_event(title="Hollow list")
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    for _ in range(7):
        at(make_attendance(event), two_hours_ago)
    for _ in range(4):
        make_attendance(event, status=Attendance.Status.CONFIRMED)
    assert signs(event) == ["7 of 11 sign-ups never confirmed"]
    html = moderator_client.get(SIGNALS).content.decode()
    assert 'class="signal-unconfirmed"' in html and "Hollow list" in html


def test_fresh_unconfirmed_sign_ups_are_not_yet_a_sign(db):
    event = make_event()
    for _ in range(12):
        make_attendance(event)  # just now: their confirmation email may be on its way
    assert signs(event) == []


def test_no_sign_blocks_anyone(db):
    event = make_event()
    start = timezone.now() - datetime.timedelta(minutes=5)
    for _ in range(15):
        at(make_attendance(event), start)
    assert signs(event)
    attendance = rsvp.rsvp(
        event, first_name="Ana", email="ana@example.org", consent_organizer=False
    )
    assert attendance.pk is not None


def test_the_signals_page_is_for_moderators_only(client, db):
    staff = make_user("helper@example.org", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_event"))
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(staff, "JBSWY3DPEHPK3PXPTESTHELPERAAAAA")
    client.force_login(staff)
    assert client.get(SIGNALS).status_code in (302, 403)


def test_the_queue_with_signs_takes_the_same_queries_however_many_events_show_them(
    moderator_client, embassy, django_assert_num_queries
):
    def event_with_signs() -> None:
        event = make_event(kind=Event.Kind.EMBASSY, embassy=embassy, lat=51.5078, lng=-0.1909)
        for _ in range(12):
            at(make_attendance(event), timezone.now() - datetime.timedelta(hours=2))

    event_with_signs()
    moderator_client.get(CHANGELIST, {"status": "all"})  # warms the per-process caches
    # as tests/events/test_moderation.py counts them: the signs add no query
    with django_assert_num_queries(8):
        assert moderator_client.get(CHANGELIST, {"status": "all"}).status_code == 200
    for _ in range(5):
        event_with_signs()
    with django_assert_num_queries(8):
        html = moderator_client.get(CHANGELIST, {"status": "all"}).content.decode()
    assert html.count("of 12 sign-ups never confirmed") == 6
