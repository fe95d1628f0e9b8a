import pytest

from allout import mail, privacy
from allout.addresses import canonical_email
from allout.models import OutboxEmail
from events.models import Attendance
from petitions.models import Signature
from tests.events.factories import make_event
from tests.petitions.conftest import make_petition, sign_form


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("Anna@Example.ORG", "anna@example.org"),
        ("  anna@example.org ", "anna@example.org"),
        ("anna.s+x@example.org", "anna.s+x@example.org"),
        ("Anna.Schmidt@Gmail.com", "annaschmidt@gmail.com"),
        ("anna.schmidt+petition+more@gmail.com", "annaschmidt@gmail.com"),
        ("a.n.n.a@googlemail.com", "anna@gmail.com"),
        ("anna@gmail.com.evil.example", "anna@gmail.com.evil.example"),
    ],
)
def test_the_canonical_form_of_an_address(address, canonical):
    assert canonical_email(address) == canonical


def test_the_canonical_form_of_a_canonical_address_is_itself():
    for address in ["Jane.Doe+x@GoogleMail.com", "Jane.Doe+x@example.org"]:
        assert canonical_email(canonical_email(address)) == canonical_email(address)


SPELLINGS = ["janedoe@gmail.com", "Jane.Doe+x@gmail.com"]


@pytest.mark.django_db
@pytest.mark.parametrize("asked_as", [*SPELLINGS, "J.A.N.E.D.O.E@googlemail.com"])
def test_the_data_page_finds_everything_under_any_spelling_of_an_address(client, asked_as):
    # One sign-up, one signature and their emails under each spelling, and a stranger's.
    events = [make_event(title="Vigil in Berlin"), make_event(title="Rally in Paris")]
    petitions = [make_petition(title="Safe passage"), make_petition(title="Open borders")]
    for event, petition, email in zip(events, petitions, SPELLINGS, strict=True):
        client.post(f"/events/{event.slug}/rsvp/", {"first_name": "Jane", "email": email})
        client.post(f"/petitions/{petition.slug}/sign/", sign_form(email=email))
    client.post(f"/events/{events[0].slug}/rsvp/", {"first_name": "Ann", "email": "a@example.org"})
    assert OutboxEmail.objects.count() == 5

    path = privacy.data_request_url(asked_as).removeprefix("http://127.0.0.1:8000")
    data = client.post(path, {"action": "export"}).json()["data"]
    assert {row["event"] for row in data["events"]} == {"Vigil in Berlin", "Rally in Paris"}
    assert {row["petition"] for row in data["signatures"]} == {"Safe passage", "Open borders"}
    assert len(data["emails"]) == 4

    client.post(path, {"action": "delete", "confirmed": "yes"})
    assert list(OutboxEmail.objects.values_list("to", flat=True)) == ["a@example.org"]
    assert not Signature.objects.exists()
    assert list(Attendance.objects.current().values_list("email", flat=True)) == ["a@example.org"]


@pytest.mark.django_db
def test_every_outbox_email_knows_the_canonical_form_of_its_recipient():
    row = mail.queue("test_message", "Jane.Doe+news@GoogleMail.com", {})
    assert row.to == "Jane.Doe+news@GoogleMail.com"
    row.refresh_from_db()
    assert row.to_canonical == "janedoe@gmail.com"
