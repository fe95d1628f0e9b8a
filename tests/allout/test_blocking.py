"""Silent blocks: a blocked person's sign-up looks accepted, and nothing is kept or sent.

And the other half of the decision: disposable and anonymous addresses are welcome.
"""

from __future__ import annotations

import pytest
from django.test import Client

from allout.blocking import is_blocked, is_blocked_account
from allout.models import BlockedAddress, OutboxEmail
from events.models import Attendance, Event
from events.services import rsvp as signups
from petitions import services
from petitions.models import Signature
from tests.conftest import make_user
from tests.events.factories import form_data, make_campaign, make_event, make_organizer
from tests.petitions.conftest import make_petition, sign_form

pytestmark = pytest.mark.django_db


def block(value: str, kind: str = BlockedAddress.Kind.ADDRESS) -> BlockedAddress:
    return BlockedAddress.objects.create(kind=kind, value=value)


def rsvp_page(client: Client, event: Event, email: str):
    return client.post(
        f"/events/{event.slug}/rsvp/", {"first_name": "Sam", "email": email}, follow=True
    )


def sign_page(client: Client, email: str):
    petition = make_petition()
    return petition, client.post(
        f"/petitions/{petition.slug}/sign/", sign_form(email=email), follow=True
    )


def test_a_blocked_address_matches_under_any_spelling():
    block("Spy.Master+events@googlemail.com")
    assert is_blocked("spymaster@gmail.com")
    assert is_blocked("SPY.MASTER+other@gmail.com")
    assert not is_blocked("someone.else@gmail.com")


def test_a_blocked_domain_covers_its_subdomains_and_nothing_else():
    block("@Trolls.example", kind=BlockedAddress.Kind.DOMAIN)
    assert BlockedAddress.objects.get().value == "trolls.example"
    assert is_blocked("a@trolls.example")
    assert is_blocked("b@mail.trolls.example")
    assert not is_blocked("c@nottrolls.example")
    assert not is_blocked("d@example")


def test_a_blocked_persons_rsvp_looks_accepted_but_is_neither_kept_nor_emailed(client):
    event = make_event()
    block("blocked@example.org")
    blocked = rsvp_page(client, event, "Blocked@Example.org")
    welcome = rsvp_page(Client(), event, "welcome@example.org")
    assert blocked.status_code == welcome.status_code == 200
    assert blocked.redirect_chain == welcome.redirect_chain
    assert not Attendance.objects.filter(email__iexact="blocked@example.org").exists()
    assert not OutboxEmail.objects.filter(to_canonical="blocked@example.org").exists()
    assert OutboxEmail.objects.filter(to="welcome@example.org").exists()


def test_a_sign_up_taken_before_the_block_is_never_counted():
    event = make_event()
    attendance = signups.rsvp(
        event, first_name="Sam", email="late@example.org", consent_organizer=False
    )
    block("late@example.org")
    OutboxEmail.objects.all().delete()
    signups.confirm(attendance)
    event.refresh_from_db()
    attendance.refresh_from_db()
    assert event.participant_count == 0
    assert attendance.status == Attendance.Status.UNCONFIRMED
    assert not OutboxEmail.objects.exists()


def test_a_blocked_persons_signature_looks_accepted_but_is_neither_kept_nor_emailed(client):
    block("blocked.example", kind=BlockedAddress.Kind.DOMAIN)
    petition, blocked = sign_page(client, "anyone@blocked.example")
    _, welcome = sign_page(Client(), "welcome@example.org")
    assert blocked.status_code == welcome.status_code == 200
    assert blocked.redirect_chain[0][0] == f"/petitions/{petition.slug}/check-your-email/"
    assert not Signature.objects.filter(email="anyone@blocked.example").exists()
    assert not OutboxEmail.objects.filter(to="anyone@blocked.example").exists()
    petition.refresh_from_db()
    assert petition.signature_count == 0


def test_a_signature_taken_before_the_block_is_never_counted(client):
    petition = make_petition()
    signature = services.sign(
        petition, first_name="A", last_name="B", email="late@example.org", country="DE"
    )
    block("late@example.org")
    assert services.confirm(signature) is False
    petition.refresh_from_db()
    assert petition.signature_count == 0


def test_a_blocked_account_cannot_register_events_and_hears_a_kind_vague_no(client):
    make_campaign()
    organizer = make_organizer(email="organizer@example.net")
    block("example.net", kind=BlockedAddress.Kind.DOMAIN)
    client.force_login(organizer)
    response = client.post("/events/new/", form_data())
    assert response.status_code == 400
    assert "We cannot take an event from this account at the moment." in response.text
    assert "block" not in response.text.lower()  # nothing says why
    assert not Event.objects.exists()


def test_any_address_of_an_account_blocks_it():
    user = make_user("public@example.org")
    assert not is_blocked_account(user)
    user.emailaddress_set.create(email="second@example.net", verified=False, primary=False)
    block("second@example.net")
    assert is_blocked_account(user)


def test_staff_add_a_block_in_the_admin_and_it_records_who(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/admin/allout/blockedaddress/add/",
        {"kind": "address", "value": "Troll+x@Gmail.com", "note": "Threats in the relay"},
    )
    assert response.status_code == 302
    row = BlockedAddress.objects.get()
    assert (row.value, row.added_by, row.note) == (
        "troll@gmail.com",
        staff_user,
        "Threats in the relay",
    )


def test_the_admin_refuses_a_domain_typed_as_an_address(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/admin/allout/blockedaddress/add/", {"kind": "address", "value": "example.org"}
    )
    assert response.status_code == 200
    assert "Enter a whole email address." in response.text
    assert not BlockedAddress.objects.exists()


@pytest.mark.parametrize(
    "email",
    ["someone@mailinator.com", "someone@guerrillamail.com", "someone@proton.me"],
)
def test_disposable_and_anonymous_addresses_are_accepted(client, email):
    # People at risk use them on purpose (allout.blocking says why).
    event = make_event()
    rsvp_page(client, event, email)
    assert Attendance.objects.filter(event=event, email=email).exists()
    petition, _ = sign_page(client, email)
    assert Signature.objects.filter(petition=petition, email=email).exists()
    assert OutboxEmail.objects.filter(to=email).count() == 2
    signup = Client().post(
        "/accounts/signup/",
        {"email": email, "password1": "a-long-pass-123", "password2": "a-long-pass-123"},
    )
    assert signup.status_code == 302
    assert OutboxEmail.objects.filter(to=email, kind="email_confirmation_signup").exists()


def test_a_participant_blocked_after_confirming_loses_the_hidden_point_and_every_email(client):
    from events import attendance_links as links
    from events.services import organizer as organizer_tools
    from events.services import reminders
    from tests.events.factories import make_attendance

    event = make_event(hide_exact_location=True, meeting_point="Behind the old mill")
    spotted = make_attendance(event, email="spotted@example.org", status="confirmed")
    block("spotted@example.org")
    page = client.get(links.path(spotted, links.Purpose.VIEW)).content.decode()
    assert "Behind the old mill" not in page and "You are going." in page
    assert f"{event.point.y:.5f}" not in page
    make_attendance(event, email="friend@example.org", status="confirmed")
    OutboxEmail.objects.all().delete()
    organizer_tools.message_participants(
        event, event.organizer, subject="Where to meet", body="Behind the old mill"
    )
    reminders.send_reminders()
    organizer_tools.cancel_event(event, event.organizer, note="Rain")
    assert not OutboxEmail.objects.filter(to="spotted@example.org").exists()


def test_a_sign_up_blocked_before_confirming_reads_as_going_and_is_not_counted(client):
    from events import attendance_links as links
    from tests.events.factories import make_attendance

    event = make_event(hide_exact_location=True, meeting_point="Behind the old mill")
    waiting = make_attendance(event, email="spotted@example.org")
    block("spotted@example.org")
    response = client.post(links.path(waiting, links.Purpose.CONFIRM), follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "You are going." in page and "You have not confirmed yet" not in page
    assert "Behind the old mill" not in page
    event.refresh_from_db()
    assert event.participant_count == 0
