import pytest

from allout import mail, privacy
from events.models import Event
from tests.events.factories import make_event, make_organizer
from tests.outbox import rendered

pytestmark = pytest.mark.django_db

FORM = {"name": "Kim", "email": "kim@example.org", "message": "Can I bring a drum?"}


@pytest.fixture
def event():
    return make_event(organizer=make_organizer(email="hidden.organizer@example.org"))


def test_the_event_page_links_to_the_relay_form_and_never_shows_the_organizers_address(
    client, event
):
    page = client.get(event.get_absolute_url()).content.decode()
    assert f'href="/events/{event.slug}/contact/"' in page
    form = client.get(f"/events/{event.slug}/contact/").content.decode()
    for html in (page, form):
        assert "hidden.organizer@example.org" not in html
    for label in ('for="id_name"', 'for="id_email"', 'for="id_message"'):
        assert label in form


def test_a_message_reaches_the_organizer_with_the_sender_as_reply_to(client, event):
    response = client.post(f"/events/{event.slug}/contact/", FORM)
    assert response.status_code == 302
    assert "hidden.organizer@example.org" not in client.get(response["Location"]).content.decode()
    row = rendered().get(kind="contact_relay")
    assert row.to == "hidden.organizer@example.org"
    assert row.reply_to == "kim@example.org"
    assert "Can I bring a drum?" in row.body_text and "Kim" in row.subject


def test_a_message_with_markup_is_escaped_in_the_html_email(client, event):
    client.post(f"/events/{event.slug}/contact/", {**FORM, "message": "<script>x</script>"})
    row = rendered().get(kind="contact_relay")
    assert "<script>" not in row.body_html and "&lt;script&gt;" in row.body_html


def test_the_relay_is_rate_limited(client, event):
    statuses = [client.post(f"/events/{event.slug}/contact/", FORM).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert rendered().filter(kind="contact_relay").count() == 5


def test_a_stranger_with_many_sources_cannot_close_an_events_form_for_everyone(client, event):
    # Today's attack: 30 messages from 30 sources shut the form for an hour.
    for n in range(40):
        client.post(f"/events/{event.slug}/contact/", FORM, REMOTE_ADDR=f"198.51.100.{n}")
    response = client.post(f"/events/{event.slug}/contact/", FORM, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    assert rendered().filter(kind="contact_relay").count() == 41


def test_one_sender_is_limited_whatever_event_they_write_to(client, event):
    others = [make_event() for _ in range(5)]
    statuses = [client.post(f"/events/{other.slug}/contact/", FORM).status_code for other in others]
    assert statuses == [302] * 5
    assert client.post(f"/events/{event.slug}/contact/", FORM).status_code == 429
    assert (
        client.post(f"/events/{event.slug}/contact/", FORM, REMOTE_ADDR="203.0.113.9").status_code
        == 302
    )


def test_an_unusual_burst_to_one_event_alerts_the_moderators_once(
    client, event, staff_user, settings
):
    settings.CONTACT_BURST_PER_HOUR = 20
    for n in range(20):
        client.post(f"/events/{event.slug}/contact/", FORM, REMOTE_ADDR=f"198.51.100.{n}")
    assert not rendered().filter(kind="contact_burst").exists()
    for n in range(20, 45):
        client.post(f"/events/{event.slug}/contact/", FORM, REMOTE_ADDR=f"198.51.100.{n}")
    alert = rendered().get(kind="contact_burst")
    assert alert.to == staff_user.email
    assert event.title in alert.subject
    assert "21 messages" in alert.body_text
    assert f"/admin/events/event/{event.pk}/change/" in alert.body_text
    assert "kim@example.org" not in alert.body_text  # the senders stay with the organizer


def test_a_bad_form_is_a_400_with_messages(client, event):
    response = client.post(f"/events/{event.slug}/contact/", {"name": "", "email": "nope"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not rendered().exists()


@pytest.mark.parametrize("status", [Event.Status.PENDING, Event.Status.REJECTED])
def test_an_unapproved_event_takes_no_messages(client, status):
    event = make_event(status=status)
    assert client.get(f"/events/{event.slug}/contact/").status_code == 404
    assert client.post(f"/events/{event.slug}/contact/", FORM).status_code == 404


def test_the_sender_gets_a_receipt_with_their_data_link_and_without_the_message(client, event):
    client.post(f"/events/{event.slug}/contact/", FORM)
    receipt = rendered().get(kind="contact_receipt")
    assert receipt.to == "kim@example.org"
    assert privacy.data_request_url("kim@example.org") in receipt.body_text
    assert privacy.data_request_url("kim@example.org") in receipt.body_html
    assert "Can I bring a drum?" not in receipt.body_text + receipt.body_html
    assert "hidden.organizer@example.org" not in receipt.body_text + receipt.body_html


def test_the_relayed_message_leaves_the_outbox_as_soon_as_it_is_sent(client, event, mailoutbox):
    client.post(f"/events/{event.slug}/contact/", FORM)
    row = rendered().get(kind="contact_relay")
    assert mail.deliver(row.pk)
    assert "Can I bring a drum?" in mailoutbox[0].body
    assert mailoutbox[0].reply_to == ["kim@example.org"]
    row.refresh_from_db()
    assert row.is_sent()
    assert (row.body_text, row.body_html, row.reply_to) == ("", "", "")
    receipt = rendered().get(kind="contact_receipt")
    assert mail.deliver(receipt.pk)
    receipt.refresh_from_db()
    assert receipt.body_text  # only someone else's words are blanked


def test_the_senders_data_page_finds_and_deletes_a_message_still_waiting(client, event):
    client.post(f"/events/{event.slug}/contact/", FORM)
    path = privacy.data_request_url("Kim@Example.org").removeprefix("http://127.0.0.1:8000")
    page = client.get(path).content.decode()
    assert "Message about" in page
    client.post(path, {"action": "delete", "confirmed": "yes"})
    assert list(rendered().values_list("kind", flat=True)) == []
