"""Protest alerts: asking, confirming, the fan-out on approval (one email a day), stopping,
erasure and the data page. The emails are read from the outbox as the worker renders them;
tests/integration/test_alert_emails.py sends them through the real worker."""

import datetime

import pytest
import time_machine
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from allout import privacy
from allout.models import BlockedAddress, OutboxEmail
from events import alert_links as links
from events.models import AlertDelivery, Event, ProtestAlert
from events.services import alerts
from events.tasks import erase_past_alerts, send_protest_alerts
from tests.events.factories import DAY, make_alert, make_campaign, make_event
from tests.outbox import decided, rendered
from tests.petitions.conftest import make_petition

pytestmark = pytest.mark.django_db

URL = "/events/alerts/"
FORM = {"place": "Porto Alegre", "radius_km": "50", "first_name": "Ana", "email": "Ana@Example.org"}
PORTO_ALEGRE = {"lat": -30.0331, "lng": -51.23}


def link_in(row: OutboxEmail, marker: str) -> str:
    for word in row.body_text.split():
        if marker in word and word.startswith("http"):
            return "/" + word.split("/", 3)[3]
    raise AssertionError(f"No link with {marker!r} in {row.kind} email")


def approve(**kwargs) -> Event:
    """An event approved now, not yet announced (the sweep announces it)."""
    kwargs.setdefault("approved_at", timezone.now())
    return make_event(**kwargs)


# --- Asking ------------------------------------------------------------------------------
def test_the_form_labels_every_field_and_says_who_sees_what(client, campaign):
    html = client.get(URL, {"place": "Porto Alegre"}).content.decode()
    for field in ["place", "radius_km", "first_name", "email"]:
        assert f'<label for="alert_{field}"' in html
    assert 'value="Porto Alegre"' in html
    assert '<option value="50" selected>50 km</option>' in html
    assert "never who" in html and "30 days after the day of action" in html


def test_asking_stores_an_unconfirmed_alert_and_emails_a_confirm_link(client, campaign):
    response = client.post(URL, FORM)
    assert response.status_code == 302 and response["Location"] == "/events/alerts/sent/"
    alert = ProtestAlert.objects.get()
    assert alert.status == ProtestAlert.Status.UNCONFIRMED
    assert alert.place == "Porto Alegre, Brazil" and alert.radius_km == 50
    assert alert.email_normalized == "ana@example.org" and alert.campaign == campaign
    assert round(alert.point.y, 1) == -30.0 and round(alert.point.x, 1) == -51.2
    row = rendered().get()
    assert row.kind == "alert_confirm" and row.to == "Ana@Example.org"
    assert row.subject == "Please confirm: protests near Porto Alegre, Brazil"
    assert "/confirm/" in link_in(row, "/events/alert/")
    assert "/unsubscribe/" in row.headers["List-Unsubscribe"]
    # The mail client's own button may POST it (RFC 8058): the view needs no CSRF token.
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/my-data/" in row.body_text


def test_the_confirm_link_shows_a_button_and_the_post_starts_the_alert(client, campaign):
    client.post(URL, FORM)
    path = link_in(rendered().get(), "/confirm/")
    page = client.get(path)
    assert page.status_code == 200 and b'<form method="post">' in page.content
    assert ProtestAlert.objects.get().status == ProtestAlert.Status.UNCONFIRMED  # GET is harmless
    response = client.post(path)
    assert "Your alert is on" in response.content.decode()
    alert = ProtestAlert.objects.get()
    assert alert.is_confirmed() and alert.confirmed_at is not None
    client.post(path)  # twice: still one alert, confirmed once
    assert ProtestAlert.objects.get().confirmed_at == alert.confirmed_at


def test_a_forged_link_is_a_404(client, campaign):
    assert client.get("/events/alert/forged/confirm/").status_code == 404
    alert = make_alert(campaign)
    # A confirm link does not unsubscribe (its own salt), nor the other way round.
    confirm_token = links.SIGNED[links.Purpose.CONFIRM].token(alert.pk)
    assert client.post(f"/events/alert/{confirm_token}/unsubscribe/").status_code == 404


@pytest.mark.parametrize(
    ("place", "message"),
    [
        ("Nowhereville", "We don&#x27;t know a town called"),
        ("Springfield", "Several towns match"),
        ("Moscow", "We list no public protests in this country"),
    ],
)
def test_an_unknown_ambiguous_or_high_risk_town_is_refused(
    client, campaign, high_risk, place, message
):
    response = client.post(URL, {**FORM, "place": place})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProtestAlert.objects.exists() and not OutboxEmail.objects.exists()


def test_a_repeat_for_a_confirmed_alert_answers_alike_and_changes_nothing(client, campaign):
    client.post(URL, FORM)
    client.post(link_in(rendered().get(), "/confirm/"))
    # A stranger tries another name and distance for the same address and place.
    again = client.post(URL, {**FORM, "first_name": "Eve", "radius_km": "200"})
    fresh = client.post(URL, {**FORM, "email": "nobody.yet@example.org"})
    assert (again.status_code, again["Location"]) == (fresh.status_code, fresh["Location"])
    assert client.get(again["Location"]).content == client.get(fresh["Location"]).content
    assert decided() == 1  # the repeat, left to the worker
    alert = ProtestAlert.objects.get(email_normalized="ana@example.org")
    assert (alert.first_name, alert.radius_km, alert.is_confirmed()) == ("Ana", 50, True)
    assert OutboxEmail.objects.filter(to__iexact="ana@example.org").count() == 1


def test_one_town_asked_for_in_two_languages_is_one_alert(client, campaign):
    client.post(URL, {**FORM, "place": "Berlin"})
    client.post("/ru/events/alerts/", {**FORM, "place": "Берлин"})
    alert = ProtestAlert.objects.get()
    assert alert.place == "Berlin, Germany" and alert.language == "en"


def test_an_unconfirmed_repeat_gets_its_link_again_at_most_hourly(client, campaign):
    client.post(URL, FORM)
    client.post(URL, FORM)
    assert decided() == 1 and OutboxEmail.objects.count() == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
        client.post(URL, {**FORM, "radius_km": "100"})
        assert decided() == 1
    assert OutboxEmail.objects.count() == 2
    assert ProtestAlert.objects.get().radius_km == 100


def test_a_blocked_address_gets_the_same_page_and_nothing_is_stored(client, campaign):
    BlockedAddress.objects.create(kind=BlockedAddress.Kind.DOMAIN, value="example.org")
    response = client.post(URL, FORM)
    assert response["Location"] == "/events/alerts/sent/"
    assert not ProtestAlert.objects.exists() and not OutboxEmail.objects.exists()


def test_the_alert_takes_the_language_of_the_page(client, campaign):
    client.post("/ru/events/alerts/", FORM)
    assert ProtestAlert.objects.get().language == "ru"
    row = rendered().get()
    assert row.language == "ru" and "/ru/events/alert/" in row.body_text


def test_the_places_it_is_offered_link_to_it(client, campaign, petition_thanks_html):
    empty = client.get("/events/", {"q": "Porto Alegre"}).content.decode()
    assert 'href="/events/alerts/?place=Porto%20Alegre%2C%20Brazil"' in empty
    assert 'href="/events/alerts/"' in petition_thanks_html
    event = make_event(campaign=campaign)
    sent = client.get(f"/events/{event.slug}/rsvp/sent/").content.decode()
    assert 'href="/events/alerts/"' in sent


@pytest.fixture
def petition_thanks_html(client, db) -> str:
    petition = make_petition()
    return client.get(f"/petitions/{petition.slug}/thank-you/").content.decode()


# --- The fan-out -------------------------------------------------------------------------
def test_an_approved_event_is_emailed_once_to_each_confirmed_alert_within_its_distance(campaign):
    near = make_alert(campaign, email="near@example.org", status="confirmed")  # London
    make_alert(campaign, email="waiting@example.org")  # not confirmed
    far = make_alert(
        campaign, near="new-york", email="far@example.org", status="confirmed", radius_km=200
    )
    # 40 km from London: within a 50 km alert, outside a 25 km one.
    make_alert(campaign, email="tight@example.org", status="confirmed", radius_km=25)
    event = approve(campaign=campaign, lat=51.85, lng=-0.2, title="Luton vigil")

    assert send_protest_alerts() == 1
    row = rendered().get()
    assert row.kind == "protest_alert" and row.to == "near@example.org"
    assert row.subject == "A protest near London"
    assert "Luton vigil" in row.body_text and event.get_absolute_url() in row.body_text
    assert "/unsubscribe/" in row.headers["List-Unsubscribe"] and "/my-data/" in row.body_text
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert AlertDelivery.objects.get().alert == near
    assert not AlertDelivery.objects.filter(alert=far).exists()
    # The next sweeps send nothing more about it.
    assert send_protest_alerts() == 0
    Event.objects.filter(pk=event.pk).update(alerts_announced_at=None)  # even if announced again
    assert send_protest_alerts() == 0
    assert OutboxEmail.objects.count() == 1


def test_a_person_gets_one_email_a_day_and_the_rest_in_a_digest(campaign):
    make_alert(campaign, email="near@example.org", status="confirmed")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        approve(campaign=campaign, title="First")
        assert send_protest_alerts() == 1
    with time_machine.travel(start + datetime.timedelta(hours=3), tick=False):
        approve(campaign=campaign, title="Second")
        approve(campaign=campaign, title="Third")
        assert send_protest_alerts() == 0  # within the day: they wait
    with time_machine.travel(start + datetime.timedelta(hours=24, minutes=1), tick=False):
        assert send_protest_alerts() == 1
        assert send_protest_alerts() == 0
    first, digest = rendered().order_by("pk")
    assert first.subject == "A protest near London"
    assert digest.subject == "2 new protests near London"
    assert "Second" in digest.body_text and "Third" in digest.body_text
    assert "First" not in digest.body_text


def test_a_hidden_meeting_point_stays_out_of_the_email(campaign):
    make_alert(campaign, status="confirmed")
    approve(
        campaign=campaign,
        hide_exact_location=True,
        meeting_point="Behind the blue kiosk",
        address="7 Secret Lane",
    )
    send_protest_alerts()
    row = rendered().get()
    assert "Behind the blue kiosk" not in row.body_text + row.body_html
    assert "7 Secret Lane" not in row.body_text + row.body_html
    assert "Where: London, United Kingdom" in row.body_text


def test_a_pending_or_high_risk_event_is_announced_to_nobody(campaign, high_risk):
    make_alert(campaign, near="moscow", status="confirmed")
    make_alert(campaign, status="confirmed")
    make_event(campaign=campaign, status=Event.Status.PENDING)
    make_event(campaign=campaign, place="moscow")
    assert send_protest_alerts() == 0
    assert not AlertDelivery.objects.exists()


def test_the_alert_email_is_in_the_language_of_the_alert(campaign):
    make_alert(campaign, status="confirmed", language="de")
    approve(campaign=campaign)
    send_protest_alerts()
    row = rendered().get()
    assert row.subject == "Ein Protest in der Nähe von London"
    assert "/de/events/alert/" in row.headers["List-Unsubscribe"]


def test_an_address_blocked_after_confirming_hears_nothing(campaign):
    make_alert(campaign, email="spy@example.org", status="confirmed")
    BlockedAddress.objects.create(kind=BlockedAddress.Kind.ADDRESS, value="spy@example.org")
    approve(campaign=campaign)
    assert send_protest_alerts() == 0
    assert not OutboxEmail.objects.exists()


# --- Stopping, erasure, the data page ----------------------------------------------------
def test_the_unsubscribe_link_shows_a_button_and_one_post_deletes_the_alert(client, campaign):
    alert = make_alert(campaign, status="confirmed")
    path = links.url(alert, links.Purpose.UNSUBSCRIBE).removeprefix("http://127.0.0.1:8000")
    page = client.get(path).content.decode()
    assert '<button type="submit">Unsubscribe</button>' in page
    assert ProtestAlert.objects.exists()
    # One click from a mail client (RFC 8058): a POST without a CSRF token.
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "the alert is deleted" in response.content.decode()
    assert not ProtestAlert.objects.exists()
    assert csrf_client.post(path).status_code == 200  # again: the same answer
    assert client.get(path).status_code == 404


def test_alerts_are_erased_after_the_campaign_day_and_the_retention_period(campaign):
    kept = make_alert(campaign, status="confirmed")
    make_alert(make_campaign(date=timezone.localdate() - datetime.timedelta(days=31)))
    assert erase_past_alerts() == 1
    assert list(ProtestAlert.objects.all()) == [kept]
    day_after_retention = DAY + datetime.timedelta(days=31)
    with time_machine.travel(datetime.datetime.combine(day_after_retention, datetime.time(12))):
        assert alerts.erase_past_alerts() == 1
    assert not ProtestAlert.objects.exists()


def test_an_alert_never_confirmed_is_erased_after_a_week(campaign):
    make_alert(campaign)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        assert alerts.erase_past_alerts() == 1


def test_the_data_page_lists_and_deletes_a_persons_alerts(client, campaign):
    make_alert(campaign, email="ana@example.org", first_name="Ana", place="Porto Alegre, Brazil")
    make_alert(campaign, email="someone.else@example.org", place="Lisbon, Portugal")
    path = privacy.data_request_url("ANA@example.org").removeprefix("http://127.0.0.1:8000")
    html = client.get(path).content.decode()
    assert "Protest alerts you asked for" in html and "Porto Alegre, Brazil" in html
    assert "Lisbon" not in html
    client.post(path, {"action": "delete", "confirmed": "yes"})
    assert list(ProtestAlert.objects.values_list("email", flat=True)) == [
        "someone.else@example.org"
    ]


def test_no_public_page_shows_an_alert(client, campaign):
    make_alert(campaign, email="hidden.person@example.org", first_name="Zoya", status="confirmed")
    for path in ["/events/", "/events/?q=London", "/events/map.geojson", "/"]:
        html = client.get(path).content.decode()
        assert "hidden.person" not in html and "Zoya" not in html


def test_translation_override_does_not_leak(campaign):
    # The email functions build links under the alert's language and leave the caller's.
    make_alert(campaign, status="confirmed", language="fr")
    approve(campaign=campaign)
    with translation.override("es"):
        send_protest_alerts()
        assert translation.get_language() == "es"


def test_the_point_index_serves_the_fan_out(campaign):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM events_protestalert"
            " WHERE ST_DWithin(point, %s::geography, 200000)",
            [Point(0, 51, srid=4326).ewkt],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "events_protestalert_point_" in plan and "Index Scan" in plan


def test_asking_for_an_alert_takes_two_queries_once_the_caches_are_warm(
    client, campaign, django_assert_num_queries
):
    client.post(URL, {**FORM, "email": "warm@example.org"})  # fills the caches
    # The current campaign (the high-risk list and the blocks come from the cache), then one
    # statement: the alert's INSERT ... ON CONFLICT DO NOTHING, the recipient's mail budget
    # and the email's outbox row, or the worker's decision about a repeat in its place.
    with django_assert_num_queries(2):
        assert client.post(URL, FORM).status_code == 302
    with django_assert_num_queries(2):
        assert client.post(URL, FORM).status_code == 302  # the same for a repeat


def test_the_fan_out_costs_a_fixed_number_of_queries_per_batch(
    campaign, django_assert_max_num_queries
):
    for number in range(30):
        make_alert(campaign, email=f"many{number}@example.org", status="confirmed")
    approve(campaign=campaign)
    alerts.announce_approved_events()
    # Per batch: the due alerts, their events, one outbox INSERT per email, the two UPDATEs,
    # and the empty batch that ends the loop; nothing more per alert.
    with django_assert_max_num_queries(30 + 10):
        assert alerts.send_due_alerts() == 30


def test_asking_is_rate_limited_per_client(client, campaign):
    statuses = [
        client.post(URL, {**FORM, "email": f"p{i}@example.org"}).status_code for i in range(11)
    ]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    assert ProtestAlert.objects.count() == 10
