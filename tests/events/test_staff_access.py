"""Participant data and hidden meeting points: the organizer, and staff who proved who they are.

Staff reach another organizer's tools only with two-factor verified in the session and the
permission that names the power (events.view_participants for the list and CSV,
events.moderate_event for messaging, cancelling and the outcome); each such access is logged.
"""

from __future__ import annotations

import csv
import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth.models import Permission

from allout import demo
from allout.models import OutboxEmail
from events.models import Event, StaffAccess
from tests.conftest import log_in_with_two_factor, make_user
from tests.events.factories import make_attendance, make_event, make_organizer

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPSTAFFACCESSAAAAA"
EXACT_LAT, EXACT_LNG = 51.504321, -0.123456
HIDDEN = ["Behind the old boathouse", "12 Quiet Lane"]


@pytest.fixture
def event(organizer):
    event = make_event(
        organizer=organizer,
        title="Vigil by the river",
        lat=EXACT_LAT,
        lng=EXACT_LNG,
        meeting_point=HIDDEN[0],
        address=HIDDEN[1],
        hide_exact_location=True,
    )
    make_attendance(event, first_name="Masha", email="masha@example.org", status="confirmed")
    make_attendance(event, first_name="Lev", email="lev@example.org", status="confirmed")
    return event


def staff_member(email: str, *permissions: str, superuser: bool = False):
    """A staff account with TOTP turned on and the given events permissions."""
    staff = make_user(email, is_staff=True, is_superuser=superuser)
    TOTP.activate(staff, SECRET)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    return staff


def organizer_urls(event: Event) -> list[str]:
    base = f"/events/mine/{event.slug}/"
    return [base, base + "participants.csv", base + "message/", base + "cancel/", base + "outcome/"]


POSTS = {
    "message/": {"subject": "Change of plan", "body": "Meet elsewhere."},
    "cancel/": {"note": "Called off."},
    "outcome/": {"turnout": 30, "report_text": "It went well."},
}


def public_pages(client, event: Event) -> str:
    """Everything a visitor can read about the event, in one string."""
    bodies = []
    for path in [
        "/",
        "/events/",
        event.get_absolute_url(),
        f"/events/{event.slug}/rsvp/",
        f"/events/{event.slug}/calendar.ics",
        "/events/map.geojson",
        f"/events/nearby.json?lat={EXACT_LAT}&lng={EXACT_LNG}",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        bodies.append(response.content.decode())
    return "\n".join(bodies)


def shows_the_hidden_point(text: str) -> bool:
    # Four decimals is 11 m; the public point of a hidden one is at least 300 m away.
    exact = f"{EXACT_LAT:.4f}" in text and f"{EXACT_LNG:.4f}" in text
    return exact or any(words in text for words in HIDDEN)


def log_in_as(client, who: str) -> None:
    if who == "staff without two-factor":
        client.force_login(make_user("bare.staff@example.org", is_staff=True, is_superuser=True))
    elif who == "staff whose session skipped two-factor":
        # TOTP on, every permission, but this session never gave a code.
        client.force_login(staff_member("skipped@example.org", superuser=True))
    elif who == "staff with two-factor and no permission":
        log_in_with_two_factor(client, staff_member("plain.staff@example.org"))
    elif who == "another organizer":
        other = make_organizer()
        make_event(organizer=other)
        client.force_login(other)
    elif who == "a new user":
        client.force_login(make_user("newcomer@example.org"))


INTRUDERS = [
    "staff without two-factor",
    "staff whose session skipped two-factor",
    "staff with two-factor and no permission",
    "another organizer",
    "a new user",
    "anonymous",
]


@pytest.mark.parametrize("who", INTRUDERS)
def test_nobody_but_the_organizer_and_proven_staff_reaches_any_organizer_url(client, event, who):
    log_in_as(client, who)
    responses = [(url, client.get(url)) for url in organizer_urls(event)]
    base = f"/events/mine/{event.slug}/"
    responses += [(base + path, client.post(base + path, data)) for path, data in POSTS.items()]
    for url, response in responses:
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/"), url
        else:
            assert response.status_code == 404, url
        assert "masha@example.org" not in response.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.APPROVED and event.turnout is None
    assert not OutboxEmail.objects.filter(kind="organizer_message").exists()
    assert not StaffAccess.objects.exists()


@pytest.mark.parametrize("who", INTRUDERS)
def test_no_page_they_can_reach_shows_the_hidden_meeting_point(client, event, who):
    log_in_as(client, who)
    assert not shows_the_hidden_point(public_pages(client, event))


def test_the_organizer_keeps_every_tool_and_leaves_no_staff_log(client, event):
    client.force_login(event.organizer)
    for url in organizer_urls(event)[:4]:
        assert client.get(url).status_code == 200, url
    assert client.get(organizer_urls(event)[4]).status_code == 409  # not over yet
    assert shows_the_hidden_point(client.get(event.get_absolute_url()).content.decode())
    assert not StaffAccess.objects.exists()


def test_staff_who_may_see_participants_get_the_list_and_csv_and_each_access_is_logged(
    client, event
):
    viewer = staff_member("viewer@example.org", "view_participants")
    log_in_with_two_factor(client, viewer)

    html = client.get(f"/events/mine/{event.slug}/").content.decode()
    assert "masha@example.org" in html and "lev@example.org" in html
    assert "Each page you open here is written in the event" in html
    # Seeing the list is not messaging or cancelling: those links are not offered.
    assert f"/events/mine/{event.slug}/message/" not in html
    assert f"/events/mine/{event.slug}/cancel/" not in html
    response = client.get(f"/events/mine/{event.slug}/participants.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["masha@example.org", "lev@example.org"]

    logged = [(a.actor, a.event, a.what, a.submitted) for a in StaffAccess.objects.all()]
    assert sorted(logged, key=lambda row: row[2]) == [
        (viewer, event, "participants", False),
        (viewer, event, "participants_csv", False),
    ]


def test_seeing_participants_does_not_let_staff_message_cancel_or_report_the_outcome(client, event):
    log_in_with_two_factor(client, staff_member("viewer@example.org", "view_participants"))
    for url in organizer_urls(event)[2:]:
        assert client.get(url).status_code == 404, url


def test_a_demo_moderator_with_two_factor_may_message_and_cancel_but_not_read_the_list(
    client, event
):
    moderator = staff_member("group.moderator@example.org")
    moderator.groups.add(demo.moderators_group())
    log_in_with_two_factor(client, moderator)
    base = f"/events/mine/{event.slug}/"

    assert client.get(base).status_code == 404
    assert client.get(base + "participants.csv").status_code == 404
    assert client.get(base + "message/").status_code == 200
    assert client.post(base + "message/", POSTS["message/"]).status_code == 302
    assert OutboxEmail.objects.filter(kind="organizer_message").count() == 2
    assert client.get(base + "cancel/").status_code == 200
    assert client.post(base + "cancel/", POSTS["cancel/"]).status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED

    logged = [(a.actor, a.what, a.submitted) for a in StaffAccess.objects.order_by("pk")]
    assert logged == [
        (moderator, "message", False),
        (moderator, "message", True),
        (moderator, "cancel", False),
        (moderator, "cancel", True),
    ]


@pytest.mark.parametrize("permission", ["moderate_event", "view_participants"])
def test_staff_with_two_factor_verified_and_a_power_over_events_see_the_hidden_meeting_point(
    client, event, permission
):
    log_in_with_two_factor(client, staff_member("staff@example.org", permission))
    html = client.get(event.get_absolute_url()).content.decode()
    assert all(words in html for words in HIDDEN)


def test_turning_two_factor_off_withdraws_the_sessions_proof(client, event, staff_user):
    log_in_with_two_factor(client, staff_user)
    assert client.get(f"/events/mine/{event.slug}/").status_code == 200
    Authenticator.objects.filter(user=staff_user).delete()
    assert client.get(f"/events/mine/{event.slug}/").status_code == 404
    assert not shows_the_hidden_point(client.get(event.get_absolute_url()).content.decode())


def totp_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def test_a_real_login_with_password_and_code_opens_the_list_and_a_password_alone_does_not(
    client, event
):
    staff_member("viewer@example.org", "view_participants")
    dashboard = f"/events/mine/{event.slug}/"
    credentials = {"login": "viewer@example.org", "password": "a-long-test-password"}

    # The password step alone: allauth waits for the code and nobody is logged in yet.
    response = client.post("/accounts/login/", credentials)
    assert response.status_code == 302 and "/2fa/authenticate/" in response["Location"]
    assert client.get(dashboard).status_code == 302  # to the login page

    response = client.post(response["Location"], {"code": totp_code(SECRET)})
    assert response.status_code == 302
    assert client.get(dashboard).status_code == 200
    assert StaffAccess.objects.get().what == "participants"


def test_the_admin_shows_staff_access_on_the_events_page(client, event, staff_user):
    viewer = staff_member("viewer@example.org", "view_participants")
    log_in_with_two_factor(client, viewer)
    client.get(f"/events/mine/{event.slug}/participants.csv")

    log_in_with_two_factor(client, staff_user)
    html = client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert "Staff access to participant data" in html
    assert "viewer@example.org" in html and "the participant list as CSV" in html
