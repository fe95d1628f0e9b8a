"""Co-hosts: invited by the organizer by email, they share the dashboard (participants, the
CSV, messages, the outcome) but never edit or cancel the event or choose co-hosts.

Participants can be prosecuted for taking part, so the invitation expires, works once, and
only for the account that verified the invited address; a removal takes effect on the next
request; and nothing tells the organizer whether an address has an account.
"""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from allout.models import OutboxEmail
from events.models import CoHost, CoHostAction, Event
from events.services import cohosts, erasure
from tests.conftest import make_user
from tests.events.factories import make_attendance, make_event, make_organizer
from tests.outbox import decided, rendered

pytestmark = pytest.mark.django_db

SAME_MESSAGE = "If they have a verified account, they&#x27;ll get an invitation."


@pytest.fixture
def event(organizer):
    event = make_event(organizer=organizer, title="Vigil by the river", organizer_language="en")
    make_attendance(event, first_name="Masha", email="masha@example.org", status="confirmed")
    return event


@pytest.fixture
def friend(db):
    return make_organizer(email="friend@example.org")


def invite_by_page(client, event: Event, email: str):
    client.force_login(event.organizer)
    return client.post(f"/events/mine/{event.slug}/cohosts/", {"email": email}, follow=True)


def invitation_token(email: str) -> str:
    row = rendered().get(kind="cohost_invitation", to=email)
    match = re.search(r"/cohosting/([^/\s]+)/", row.body_text)
    assert match, row.body_text
    return match.group(1)


def accepted_cohost(client, event: Event, user) -> CoHost:
    invite_by_page(client, event, user.email)
    token = invitation_token(user.email)
    client.force_login(user)
    response = client.post(f"/events/cohosting/{token}/")
    assert response.status_code == 302
    return CoHost.objects.get(event=event, user=user)


def shared_pages(event: Event) -> list[str]:
    base = f"/events/mine/{event.slug}/"
    return [base, base + "participants.csv", base + "message/"]


def organizer_only_pages(event: Event) -> list[str]:
    base = f"/events/mine/{event.slug}/"
    return [base + "cancel/", base + "cohosts/", f"/events/{event.slug}/edit/"]


# --- Inviting -------------------------------------------------------------------------------
def test_an_invitation_to_a_verified_account_is_emailed_logged_and_told_to_the_organizer(
    client, event, friend
):
    response = invite_by_page(client, event, "friend@example.org")
    assert SAME_MESSAGE in response.content.decode()
    cohost = CoHost.objects.get(event=event)
    assert cohost.user is None and cohost.accepted_at is None
    assert CoHostAction.objects.get().action == CoHostAction.Action.INVITE
    assert CoHostAction.objects.get().actor == event.organizer
    invitation = rendered().get(kind="cohost_invitation")
    assert invitation.to == "friend@example.org"
    assert "Vigil by the river" in invitation.subject
    assert "/cohosting/" in invitation.body_text and "7 days" in invitation.body_text
    told = rendered().get(kind="cohost_invited")
    assert told.to == event.organizer.email
    assert "friend@example.org" in told.body_text
    assert "If they have a verified account, they'll get an invitation." in told.body_text


def test_inviting_an_address_with_an_account_runs_the_statements_any_other_does(event, friend):
    """SPEC: no answer reveals whether an address has an account, its time included."""
    cohosts.invite(event, event.organizer, "warm.up@example.org")  # the lists, cached

    def statements(email: str) -> list[str]:
        sql: list[str] = []

        def record(execute, statement, parameters, many, context):
            sql.append(re.sub(r'"s\d+_x\d+"', '"savepoint"', statement))
            return execute(statement, parameters, many, context)

        with connection.execute_wrapper(record):
            cohosts.invite(event, event.organizer, email)
        return sql

    assert statements("friend@example.org") == statements("nobody@example.org")
    assert decided() == 3
    assert rendered().filter(kind="cohost_invitation").count() == 1  # the friend's alone


@pytest.mark.parametrize("verified", [False, None], ids=["unverified", "no account"])
def test_an_address_without_a_verified_account_gets_the_same_answer_and_nothing_is_sent(
    client, event, friend, verified
):
    if verified is False:
        make_user("unverified@example.org", verified=False)
    known = invite_by_page(client, event, "friend@example.org")
    unknown = invite_by_page(client, event, "unverified@example.org")
    assert known.status_code == unknown.status_code == 200
    for response in (known, unknown):
        assert SAME_MESSAGE in response.content.decode()
    # The list shows both the same way: invited, pending.
    html = unknown.content.decode()
    assert html.count("Invited") >= 2
    assert decided() == 2  # whether each has an account: the worker's to ask
    assert not OutboxEmail.objects.filter(kind="cohost_invitation", to="unverified@example.org")
    assert OutboxEmail.objects.filter(kind="cohost_invited").count() == 2


def test_the_same_address_cannot_be_invited_twice_nor_the_organizers_own(client, event, friend):
    invite_by_page(client, event, "friend@example.org")
    again = invite_by_page(client, event, "Friend@Example.org")
    assert "already invited" in again.content.decode()
    own = invite_by_page(client, event, event.organizer.email)
    assert "your own address" in own.content.decode()
    assert CoHost.objects.count() == 1


def test_an_event_takes_at_most_a_few_cohosts_and_invitations(client, event):
    for number in range(cohosts.MAX_COHOSTS):
        invite_by_page(client, event, f"someone{number}@example.org")
    response = invite_by_page(client, event, "one-more@example.org")
    assert "at most" in response.content.decode()
    assert CoHost.objects.count() == cohosts.MAX_COHOSTS


def test_the_invitee_is_written_to_in_the_language_of_the_page_they_were_invited_from(
    client, event, friend
):
    client.force_login(event.organizer)
    client.post(f"/ru/events/mine/{event.slug}/cohosts/", {"email": "friend@example.org"})
    invitation = rendered().get(kind="cohost_invitation")
    assert invitation.language == "ru"
    assert "/ru/events/cohosting/" in invitation.body_text
    # The organizer's own emails stay in the language they registered the event in.
    assert rendered().get(kind="cohost_invited").language == "en"


# --- Accepting ------------------------------------------------------------------------------
def test_the_invitee_accepts_with_a_post_and_both_are_emailed(client, event, friend):
    invite_by_page(client, event, "friend@example.org")
    token = invitation_token("friend@example.org")
    client.force_login(friend)
    page = client.get(f"/events/cohosting/{token}/")
    assert page.status_code == 200 and "Vigil by the river" in page.content.decode()
    assert not CoHost.objects.get().accepted_at  # a GET accepts nothing (mail scanners)
    response = client.post(f"/events/cohosting/{token}/")
    assert response.status_code == 302
    assert response.url == f"/events/mine/{event.slug}/"
    cohost = CoHost.objects.get()
    assert cohost.user == friend and cohost.accepted_at is not None
    assert CoHostAction.objects.filter(action="accept", actor=friend).count() == 1
    accepted = rendered().filter(kind="cohost_accepted")
    assert {row.to for row in accepted} == {event.organizer.email, "friend@example.org"}
    to_organizer = accepted.get(to=event.organizer.email)
    assert "friend@example.org accepted your invitation" in to_organizer.body_text


def test_a_used_invitation_fails_cleanly(client, event, friend):
    invite_by_page(client, event, "friend@example.org")
    token = invitation_token("friend@example.org")
    client.force_login(friend)
    client.post(f"/events/cohosting/{token}/")
    again = client.post(f"/events/cohosting/{token}/")
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert CoHostAction.objects.filter(action="accept").count() == 1


def test_an_expired_invitation_fails_cleanly(client, event, friend):
    invite_by_page(client, event, "friend@example.org")
    token = invitation_token("friend@example.org")
    client.force_login(friend)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        response = client.post(f"/events/cohosting/{token}/")
        page = client.get(f"/events/cohosting/{token}/")
    assert response.status_code == page.status_code == 400
    assert "expired" in response.content.decode()
    assert CoHost.objects.get().accepted_at is None


def test_a_forged_invitation_fails_cleanly(client, friend):
    client.force_login(friend)
    response = client.get("/events/cohosting/not-a-token/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_an_invitation_opened_by_another_account_fails_and_reveals_no_event(client, event, friend):
    invite_by_page(client, event, "friend@example.org")
    token = invitation_token("friend@example.org")
    stranger = make_user("stranger@example.org")
    client.force_login(stranger)
    for response in (
        client.get(f"/events/cohosting/{token}/"),
        client.post(f"/events/cohosting/{token}/"),
    ):
        assert response.status_code == 403
        assert "another address" in response.content.decode()
        assert "Vigil by the river" not in response.content.decode()
    assert CoHost.objects.get().accepted_at is None


def test_the_invited_address_must_be_verified_by_the_accepting_account(client, event):
    # Someone who signed up with the address but never proved they read it.
    unverified = make_user("friend@example.org", verified=False)
    invite_by_page(client, event, "friend@example.org")
    cohost = CoHost.objects.get()
    from events import cohost_links

    token = cohost_links.SIGNED.token(cohost.pk)
    client.force_login(unverified)
    assert client.post(f"/events/cohosting/{token}/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in_first(client, event, friend):
    invite_by_page(client, event, "friend@example.org")
    token = invitation_token("friend@example.org")
    client.logout()
    response = client.get(f"/events/cohosting/{token}/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_withdrawn_invitation_fails_cleanly(client, event, friend):
    invite_by_page(client, event, "friend@example.org")
    token = invitation_token("friend@example.org")
    cohost = CoHost.objects.get()
    client.post(f"/events/mine/{event.slug}/cohosts/{cohost.pk}/remove/")
    client.force_login(friend)
    response = client.post(f"/events/cohosting/{token}/")
    assert response.status_code == 410 and "withdrew" in response.content.decode()
    # Withdrawing a pending invitation emails the organizer only: the invitee may have no
    # account, and an email to them would say so.
    assert set(OutboxEmail.objects.filter(kind="cohost_removed").values_list("to", flat=True)) == {
        event.organizer.email
    }


# --- Sharing the dashboard ------------------------------------------------------------------
def test_a_cohost_sees_the_participants_and_the_event_in_my_events(client, event, friend):
    accepted_cohost(client, event, friend)
    mine = client.get("/events/mine/").content.decode()
    assert "Vigil by the river" in mine and "co-host" in mine
    dashboard = client.get(f"/events/mine/{event.slug}/").content.decode()
    assert "masha@example.org" in dashboard
    assert "You co-host this event" in dashboard
    assert f"/events/mine/{event.slug}/cancel/" not in dashboard
    assert f"/events/mine/{event.slug}/cohosts/" not in dashboard
    csv = client.get(f"/events/mine/{event.slug}/participants.csv")
    assert csv.status_code == 200 and "masha@example.org" in b"".join(csv).decode()


def test_a_cohost_can_message_the_participants(client, event, friend):
    accepted_cohost(client, event, friend)
    response = client.post(
        f"/events/mine/{event.slug}/message/", {"subject": "Bring water", "body": "It is hot."}
    )
    assert response.status_code == 302
    message = rendered().get(kind="organizer_message")
    assert message.to == "masha@example.org" and "It is hot." in message.body_text
    assert event.organizer_messages.get().sent_by == friend


def test_a_cohost_can_tell_how_it_went_after_the_day(client, event, friend):
    accepted_cohost(client, event, friend)
    # The day went by (moved, rather than travelled to: the session would expire).
    start = timezone.now() - datetime.timedelta(days=1)
    Event.objects.filter(pk=event.pk).update(
        starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    response = client.post(
        f"/events/mine/{event.slug}/outcome/", {"turnout": 40, "report_text": "Loud."}
    )
    assert response.status_code == 302
    assert response.url == f"/events/mine/{event.slug}/"
    event.refresh_from_db()
    assert event.turnout == 40


@pytest.mark.parametrize("how", ["get", "post"])
def test_a_cohost_cannot_cancel_edit_or_choose_cohosts(client, event, friend, how):
    cohost = accepted_cohost(client, event, friend)
    for path in organizer_only_pages(event):
        response = getattr(client, how)(path, {"note": "Called off.", "email": "x@example.org"})
        assert response.status_code == 404, path
    # Nor remove the organizer, or anyone: the remove view is the organizer's alone.
    response = client.post(f"/events/mine/{event.slug}/cohosts/{cohost.pk}/remove/")
    assert response.status_code == 404
    event.refresh_from_db()
    assert event.status == Event.Status.APPROVED and event.organizer != friend
    assert CoHost.objects.get().removed_at is None


@pytest.mark.parametrize("who", ["stranger", "removed co-host", "unaccepted invitee", "anonymous"])
def test_nobody_else_reaches_the_shared_pages(client, event, friend, who):
    if who == "stranger":
        client.force_login(make_user("stranger@example.org"))
    elif who == "removed co-host":
        cohost = accepted_cohost(client, event, friend)
        client.force_login(event.organizer)
        client.post(f"/events/mine/{event.slug}/cohosts/{cohost.pk}/remove/")
        client.force_login(friend)
    elif who == "unaccepted invitee":
        invite_by_page(client, event, "friend@example.org")
        client.force_login(friend)
    else:
        client.logout()
    for path in shared_pages(event) + organizer_only_pages(event):
        response = client.get(path)
        expected = {302} if who == "anonymous" else {404}
        assert response.status_code in expected, path
    mine = client.get("/events/mine/")
    if who != "anonymous":
        assert "Vigil by the river" not in mine.content.decode()


def test_removal_takes_effect_at_once_and_is_logged_and_emailed_to_both(client, event, friend):
    cohost = accepted_cohost(client, event, friend)
    assert client.get(f"/events/mine/{event.slug}/").status_code == 200
    # The organizer removes them in another browser; the co-host's next click is refused.
    from django.test import Client

    organizer_browser = Client()
    organizer_browser.force_login(event.organizer)
    organizer_browser.post(f"/events/mine/{event.slug}/cohosts/{cohost.pk}/remove/")
    assert client.get(f"/events/mine/{event.slug}/").status_code == 404
    assert CoHostAction.objects.filter(action="remove", actor=event.organizer).count() == 1
    removed = rendered().filter(kind="cohost_removed")
    assert {row.to for row in removed} == {event.organizer.email, "friend@example.org"}
    assert "no longer see its dashboard" in removed.get(to="friend@example.org").body_text


def test_a_cancelled_event_is_no_longer_shared_with_its_cohosts(client, event, friend):
    accepted_cohost(client, event, friend)
    client.force_login(event.organizer)
    client.post(f"/events/mine/{event.slug}/cancel/", {"note": ""})
    client.force_login(friend)
    assert client.get(f"/events/mine/{event.slug}/").status_code == 404
    assert "Vigil by the river" not in client.get("/events/mine/").content.decode()


def test_the_cohosts_page_lists_live_cohosts_for_the_organizer(client, event, friend):
    accepted_cohost(client, event, friend)
    client.force_login(event.organizer)
    html = client.get(f"/events/mine/{event.slug}/cohosts/").content.decode()
    assert "friend@example.org" in html and "Remove" in html


def test_staff_see_cohosts_and_their_log_in_the_event_admin(client, event, friend, staff_user):
    from tests.conftest import log_in_with_two_factor

    accepted_cohost(client, event, friend)
    log_in_with_two_factor(client, staff_user)
    html = client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert "friend@example.org" in html
    assert "Co-host log" in html or "co-host log" in html


# --- Erasure --------------------------------------------------------------------------------
def test_the_organizers_erasure_ends_cohosting_and_forgets_addresses(client, event, friend):
    accepted_cohost(client, event, friend)
    invite_by_page(client, event, "pending@example.org")
    erasure.erase_organized_events(event.organizer.email)
    rows = CoHost.objects.all()
    assert all(row.removed_at for row in rows)
    assert {row.email for row in rows} == {cohosts.ERASED}
    assert CoHostAction.objects.count() == 3  # the log stays
    client.force_login(friend)
    assert client.get(f"/events/mine/{event.slug}/").status_code == 404


def test_a_cohosts_own_erasure_ends_their_cohosting(client, event, friend):
    accepted_cohost(client, event, friend)
    erasure.erase_organized_events("friend@example.org")
    cohost = CoHost.objects.get()
    assert cohost.removed_at and cohost.email == cohosts.ERASED
    event.refresh_from_db()
    assert event.status == Event.Status.APPROVED  # someone else's event is untouched


def test_the_data_page_shows_an_addresses_invitations_and_deletes_them(client, event, friend):
    from allout import privacy

    invite_by_page(client, event, "friend@example.org")
    export = privacy.collect("friend@example.org")
    assert [row["event"] for row in export["cohosting"]] == ["Vigil by the river"]
    assert export["cohosting"][0]["status"] == "Invited"
    assert privacy.collect("someone.else@example.org")["cohosting"] == []
    privacy.erase("friend@example.org")
    cohost = CoHost.objects.get()
    assert cohost.removed_at and cohost.email == cohosts.ERASED
    assert privacy.collect("friend@example.org")["cohosting"] == []


def test_a_blocked_address_is_not_emailed_and_a_blocked_account_cannot_accept(
    client, event, friend
):
    from allout.models import BlockedAddress

    invite_by_page(client, event, "friend@example.org")
    token = invitation_token("friend@example.org")
    BlockedAddress.objects.create(kind=BlockedAddress.Kind.ADDRESS, value="friend@example.org")
    client.force_login(friend)
    assert client.post(f"/events/cohosting/{token}/").status_code == 400
    assert CoHost.objects.get().accepted_at is None
    # An invitation to a verified account that staff blocked: the same answer, nothing sent.
    make_organizer(email="blocked@example.org")
    BlockedAddress.objects.create(kind=BlockedAddress.Kind.ADDRESS, value="blocked@example.org")
    response = invite_by_page(client, event, "blocked@example.org")
    assert SAME_MESSAGE in response.content.decode()
    assert decided() == 1
    assert not OutboxEmail.objects.filter(kind="cohost_invitation", to="blocked@example.org")


def test_a_cohost_may_download_the_poster_and_share_image(client, event, friend):
    accepted_cohost(client, event, friend)
    poster = client.get(f"/events/mine/{event.slug}/poster.pdf?paper=a4")
    assert poster.status_code == 200 and poster["Content-Type"] == "application/pdf"
    assert client.get(f"/events/mine/{event.slug}/share.png").status_code == 200
