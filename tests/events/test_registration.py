"""Organizers register protests at /events/new/: the happy path and every refusal."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.contrib.gis.geos import Point

from events.finder import places
from events.models import Event
from events.services.registration import (
    RESERVED_SLUGS,
    SLUG_TAIL_LENGTH,
    SLUG_TAIL_LETTERS,
    unique_slug,
)
from tests.conftest import make_user
from tests.events.factories import PLACES, form_data, make_event
from tests.outbox import rendered

pytestmark = pytest.mark.django_db

URL = "/events/new/"


@pytest.fixture
def organizer_client(client, organizer, campaign):
    client.force_login(organizer)
    return client


def errors_of(response) -> dict[str, list[str]]:
    form = response.context["form"]
    return {field: [str(error) for error in errors] for field, errors in form.errors.items()}


def test_an_organizer_registers_a_public_place_event_that_waits_for_review(
    organizer_client, organizer, staff_user
):
    response = organizer_client.post(URL, form_data())

    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/events/{event.slug}/"
    assert event.status == Event.Status.PENDING
    assert event.organizer == organizer and event.organizer_name == "London volunteers"
    assert event.slug.startswith("london-stands-with-queer-russia-")
    assert event.timezone == "Europe/London"
    assert event.starts_at == datetime.datetime(2099, 3, 16, 14, 0, tzinfo=datetime.UTC)
    assert event.ends_at == datetime.datetime(2099, 3, 16, 16, 0, tzinfo=datetime.UTC)
    assert event.point.equals_exact(Point(-0.12831, 51.50846, srid=4326), 1e-6)
    assert event.public_point == event.point  # not hidden
    assert event.guidelines_accepted_at is not None
    emails = {(row.kind, row.to) for row in rendered().all()}
    # Moderators hear of it in the next sweep's list (tests/events/test_registration_limits.py).
    assert emails == {("event_received", "organizer@example.org")}


def test_the_organizer_sees_the_pending_event_after_submitting(organizer_client):
    response = organizer_client.post(URL, form_data(), follow=True)
    html = response.content.decode()
    assert "Waiting for review." in html
    assert "Your event waits for a moderator" in html


def test_an_embassy_event_takes_its_place_from_the_directory(organizer_client, embassy):
    data = form_data(
        kind=Event.Kind.EMBASSY,
        embassy=embassy.pk,
        latitude="",
        longitude="",
        city="Somewhere else",
        address="A made-up address",
        country="",
    )
    response = organizer_client.post(URL, data)

    assert response.status_code == 302
    event = Event.objects.get()
    assert event.embassy == embassy and event.kind == Event.Kind.EMBASSY
    assert (event.city, event.country.code, event.address) == (
        "London",
        "GB",
        "6/7 Kensington Palace Gardens, London W8 4QP",
    )
    assert event.point.equals_exact(embassy.point, 1e-9)


def test_the_embassy_picker_groups_the_directory_by_country_with_its_places(
    organizer_client, embassy
):
    html = organizer_client.get(URL).content.decode()
    assert '<optgroup label="United Kingdom">' in html
    assert 'data-lat="51.507806"' in html and 'data-country="GB"' in html


def test_an_embassy_event_needs_an_embassy(organizer_client):
    response = organizer_client.post(URL, form_data(kind=Event.Kind.EMBASSY))
    assert response.status_code == 400
    assert errors_of(response)["embassy"] == ["Choose the embassy or consulate."]


def test_a_country_other_than_the_embassys_is_refused(organizer_client, embassy):
    response = organizer_client.post(
        URL, form_data(kind=Event.Kind.EMBASSY, embassy=embassy.pk, country="FR")
    )
    assert response.status_code == 400
    (error,) = errors_of(response)["country"]
    assert "is in United Kingdom, not in France" in error
    assert not Event.objects.exists()


def test_an_embassy_event_cannot_hide_its_meeting_point_and_the_form_says_why(
    organizer_client, embassy
):
    html = organizer_client.get(URL).content.decode()
    assert "Not for an embassy or consulate: its address is public" in html
    response = organizer_client.post(
        URL, form_data(kind=Event.Kind.EMBASSY, embassy=embassy.pk, hide_exact_location="on")
    )
    assert response.status_code == 400
    (error,) = errors_of(response)["hide_exact_location"]
    assert "its meeting point cannot be hidden" in error
    assert not Event.objects.exists()


def test_an_embassy_event_edited_to_hide_its_point_is_refused(client, embassy):
    event = make_event(kind=Event.Kind.EMBASSY, embassy=embassy, point=embassy.point)
    client.force_login(event.organizer)
    response = client.post(
        f"/events/{event.slug}/edit/",
        form_data(kind=Event.Kind.EMBASSY, embassy=embassy.pk, hide_exact_location="on"),
    )
    assert response.status_code == 400
    assert "hide_exact_location" in errors_of(response)
    event.refresh_from_db()
    assert event.hide_exact_location is False


def test_a_public_place_may_still_hide_its_meeting_point(organizer_client):
    response = organizer_client.post(URL, form_data(hide_exact_location="on"))
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.hide_exact_location is True
    assert not event.public_point.equals_exact(event.point, 1e-6)


def test_an_end_before_the_start_is_refused(organizer_client):
    response = organizer_client.post(URL, form_data(start_time="16:00", end_time="15:00"))
    assert response.status_code == 400
    assert errors_of(response)["end_time"] == ["The end must be after the start."]


def test_a_start_in_the_past_is_refused(client, organizer, campaign):
    # 18:00 in London on the day: a protest starting at 14:00 has already begun.
    with time_machine.travel(datetime.datetime(2099, 3, 16, 18, 0, tzinfo=datetime.UTC)):
        client.force_login(organizer)
        response = client.post(URL, form_data())
    assert response.status_code == 400
    (error,) = errors_of(response)["start_time"]
    assert "already passed: it is now 18:00 on 2099-03-16 in Europe/London" in error


def test_a_date_far_from_the_day_of_action_is_refused(organizer_client):
    response = organizer_client.post(URL, form_data(date="2099-05-01"))
    assert response.status_code == 400
    (error,) = errors_of(response)["date"]
    assert "within a week of it" in error


def test_a_date_near_the_day_of_action_is_accepted_with_a_warning(organizer_client):
    response = organizer_client.post(URL, form_data(date="2099-03-14"), follow=True)
    assert Event.objects.get().local_starts_at().date() == datetime.date(2099, 3, 14)
    messages = [str(message) for message in response.context["messages"]]
    assert any("not on the day of action (16 March 2099)" in message for message in messages)


def test_missing_fields_are_named_one_by_one(organizer_client):
    response = organizer_client.post(URL, {})
    assert response.status_code == 400
    errors = errors_of(response)
    for field in [
        "kind",
        "title",
        "description",
        "meeting_point",
        "date",
        "start_time",
        "end_time",
        "organizer_name",
        "accept_guidelines",
    ]:
        assert errors[field], field
    assert errors["accept_guidelines"] == ["Please agree to the guidelines to continue."]


def test_a_public_place_needs_a_pin_or_a_city(organizer_client):
    response = organizer_client.post(URL, form_data(latitude="", longitude=""))
    assert response.status_code == 400
    assert errors_of(response)["place_search"] == [
        "Click the meeting place on the map, or type the city here."
    ]


def test_a_public_place_needs_its_city_and_country(organizer_client):
    response = organizer_client.post(URL, form_data(city="", country="", address=""))
    assert response.status_code == 400
    errors = errors_of(response)
    assert errors["city"] == errors["country"] == ["This field is required."]


def test_half_a_coordinate_is_refused(organizer_client):
    response = organizer_client.post(URL, form_data(longitude=""))
    assert response.status_code == 400
    assert "Give both latitude and longitude" in errors_of(response)["latitude"][0]


def test_coordinates_off_the_globe_are_refused(organizer_client):
    response = organizer_client.post(URL, form_data(latitude="91"))
    assert response.status_code == 400
    assert errors_of(response)["latitude"]


def test_without_javascript_a_typed_city_with_one_match_sets_the_point(organizer_client):
    data = form_data(latitude="", longitude="", city="", country="", place_search="lisbon")
    response = organizer_client.post(URL, data)

    assert response.status_code == 302
    event = Event.objects.get()
    lisbon = places.look_up("Lisbon").place
    assert (event.city, event.country.code) == ("Lisbon", "PT")
    assert event.point.equals_exact(lisbon.point, 1e-6)
    assert event.timezone == "Europe/Lisbon"


def test_a_city_found_without_javascript_is_shown_if_the_form_comes_back(organizer_client):
    data = form_data(latitude="", longitude="", city="", country="", place_search="Lisbon")
    response = organizer_client.post(URL, {**data, "title": ""})
    assert response.status_code == 400
    html = response.content.decode()
    lisbon = places.look_up("Lisbon").place
    assert f'name="latitude" value="{lisbon.lat:.6f}"' in html and 'value="Lisbon"' in html


def test_a_typed_city_that_names_several_alike_asks_which_one(organizer_client):
    response = organizer_client.post(
        URL, form_data(latitude="", longitude="", place_search="Cambridge")
    )
    assert response.status_code == 400
    (error,) = errors_of(response)["place_search"]
    assert error.startswith("Several cities match: ") and "Cambridge, United Kingdom" in error


@pytest.mark.parametrize(
    ("typed", "city", "country", "zone"),
    [
        ("London", "London", "GB", "Europe/London"),  # the finder's reading: the big one
        ("Paris, Texas", "Paris", "US", "America/Chicago"),
        ("Paris", "Paris", "FR", "Europe/Paris"),
    ],
)
def test_the_form_reads_a_typed_city_as_the_finder_does(
    organizer_client, typed, city, country, zone
):
    data = form_data(latitude="", longitude="", city="", country="", place_search=typed)
    response = organizer_client.post(URL, data)
    assert response.status_code == 302, errors_of(response)
    event = Event.objects.get()
    assert (event.city, event.country.code, event.timezone) == (city, country, zone)
    found = places.look_up(typed).place
    assert found is not None and event.point.equals_exact(found.point, 1e-6)


def test_a_city_typed_as_the_search_shows_it_is_found(organizer_client):
    data = form_data(latitude="", longitude="", place_search="London, Canada")
    assert organizer_client.post(URL, data).status_code == 302
    assert Event.objects.get().timezone == "America/Toronto"


def test_an_unknown_city_is_refused(organizer_client):
    response = organizer_client.post(URL, form_data(latitude="", longitude="", place_search="Xq"))
    assert response.status_code == 400
    assert "We don't know a city called “Xq”" in errors_of(response)["place_search"][0]


@pytest.mark.parametrize(
    ("place", "zone", "utc_start"),
    [
        ("london", "Europe/London", datetime.datetime(2099, 3, 16, 14, 0, tzinfo=datetime.UTC)),
        ("sao-paulo", "America/Sao_Paulo", datetime.datetime(2099, 3, 16, 17, tzinfo=datetime.UTC)),
        ("new-delhi", "Asia/Kolkata", datetime.datetime(2099, 3, 16, 8, 30, tzinfo=datetime.UTC)),
        ("new-york", "America/New_York", datetime.datetime(2099, 3, 16, 18, tzinfo=datetime.UTC)),
    ],
)
def test_times_are_typed_in_the_local_time_of_the_place(organizer_client, place, zone, utc_start):
    spot = PLACES[place]
    data = form_data(
        latitude=spot["lat"], longitude=spot["lng"], city=spot["city"], country=spot["country"]
    )
    assert organizer_client.post(URL, data).status_code == 302
    event = Event.objects.get()
    assert event.timezone == zone
    assert event.starts_at == utc_start
    assert event.ends_at == utc_start + datetime.timedelta(hours=2)
    assert event.local_starts_at().strftime("%H:%M") == "14:00"


def test_a_time_skipped_when_the_clocks_change_is_refused(organizer_client, campaign):
    # New York springs forward at 02:00 on 8 March 2099: 02:30 never happens.
    campaign.date = datetime.date(2099, 3, 8)
    campaign.save()
    spot = PLACES["new-york"]
    data = form_data(
        date="2099-03-08",
        start_time="02:30",
        end_time="04:00",
        latitude=spot["lat"],
        longitude=spot["lng"],
        country="US",
    )
    response = organizer_client.post(URL, data)
    assert response.status_code == 400
    assert (
        "The clocks change at that time in America/New_York" in errors_of(response)["start_time"][0]
    )


def test_a_high_risk_country_is_refused_with_a_kind_explanation_and_alternatives(
    organizer_client, high_risk
):
    spot = PLACES["moscow"]
    data = form_data(latitude=spot["lat"], longitude=spot["lng"], city="Moscow", country="RU")
    response = organizer_client.post(URL, data)

    assert response.status_code == 400
    assert not Event.objects.exists() and not rendered().exists()
    html = response.content.decode()
    assert "We can't list a public event there" in html
    assert 'href="/events/"' in html and "Join an event in another city" in html
    assert 'href="/petitions/"' in html and "Sign the petition" in html
    assert response.context["form"].high_risk_country == "RU"


def test_a_pin_in_a_high_risk_country_is_refused_whatever_country_is_chosen(
    organizer_client, high_risk
):
    spot = PLACES["moscow"]
    data = form_data(latitude=spot["lat"], longitude=spot["lng"], city="Moscow", country="FI")
    response = organizer_client.post(URL, data)
    assert response.status_code == 400
    assert response.context["form"].high_risk_country == "RU"
    assert not Event.objects.exists()


def test_a_country_staff_mark_high_risk_is_refused_at_once(organizer_client, campaign):
    from allout.models import HighRiskCountry

    assert organizer_client.post(URL, form_data(title="First")).status_code == 302
    HighRiskCountry.objects.create(country="GB")  # the cached list is dropped on save
    response = organizer_client.post(URL, form_data(title="Second"))
    assert response.status_code == 400
    assert Event.objects.count() == 1


def test_an_unverified_user_is_asked_to_confirm_their_email(client, campaign):
    client.force_login(make_user("new@example.org", verified=False))
    response = client.get(URL)
    assert response.status_code == 403
    assert "Confirm your email address first" in response.content.decode()
    assert client.post(URL, form_data()).status_code == 403
    assert not Event.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, campaign):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/events/new/"


def test_registration_is_closed_once_the_day_has_passed(client, organizer, campaign):
    with time_machine.travel(datetime.datetime(2099, 3, 20, 12, tzinfo=datetime.UTC)):
        client.force_login(organizer)
        response = client.get(URL)
    assert response.status_code == 200
    assert "Registration is closed for now" in response.content.decode()


TAIL = f"[{SLUG_TAIL_LETTERS}]{{{SLUG_TAIL_LENGTH}}}"


def test_an_event_page_never_takes_a_reserved_word_as_its_slug(campaign, organizer):
    for word in RESERVED_SLUGS:
        assert unique_slug(word.title()) not in RESERVED_SLUGS
    assert re.fullmatch(f"mine-event-{TAIL}", unique_slug("Mine"))
    assert re.fullmatch(f"event-{TAIL}", unique_slug("¡¡¡"))


def test_two_events_with_one_title_get_distinct_slugs(organizer_client):
    organizer_client.post(URL, form_data(title="New"))
    organizer_client.post(URL, form_data(title="New"))
    slugs = set(Event.objects.values_list("slug", flat=True))
    assert len(slugs) == 2 and all(re.fullmatch(f"new-event-{TAIL}", slug) for slug in slugs)


def test_a_slug_tells_nothing_of_the_events_not_shown(campaign, organizer):
    """A numbered slug ("vigil-3") would tell whoever registers a "Vigil" that two others,
    pending or rejected, hold "vigil" and "vigil-2"."""
    for status in (Event.Status.PENDING, Event.Status.REJECTED):
        make_event(campaign=campaign, organizer=organizer, slug=f"vigil-{status}", status=status)
    make_event(campaign=campaign, organizer=organizer, slug="vigil")
    slugs = {unique_slug("Vigil") for _ in range(20)}
    assert len(slugs) == 20 and all(re.fullmatch(f"vigil-{TAIL}", slug) for slug in slugs)


class _Labels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.label_for: set[str] = set()
        self.fields: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        if tag in {"input", "select", "textarea"} and attrs.get("type") not in {"hidden", "submit"}:
            self.fields.append(attrs.get("id", ""))


def test_every_field_of_the_form_has_a_label(organizer_client):
    parser = _Labels()
    parser.feed(organizer_client.get(URL).content.decode())
    assert len(parser.fields) > 15
    assert [field for field in parser.fields if field not in parser.label_for] == []


def test_the_form_has_no_inline_script_or_style(organizer_client):
    html = organizer_client.get(URL).content.decode()
    assert "<script>" not in html and " style=" not in html
    assert 'src="/static/leaflet/leaflet.js"' in html


def test_the_city_search_completes_city_names(client, db, high_risk):
    response = client.get("/events/places.json", {"q": "mosc"})
    assert response.status_code == 200
    moscow = response.json()[0]
    assert moscow == {
        "label": "Moscow, Russia",
        "name": "Moscow",
        "lat": pytest.approx(55.75204, abs=1e-4),
        "lng": pytest.approx(37.61781, abs=1e-4),
        "country": "RU",
        "high_risk": True,
    }
    assert client.get("/events/places.json").json() == []


def test_the_organizer_is_told_the_events_local_time_in_the_received_email(organizer_client):
    organizer_client.post(URL, form_data(hide_exact_location="on"))
    row = rendered().get(kind="event_received")
    assert (
        "Monday 16 March 2099, 14:00\N{EN DASH}16:00 (local time: Europe/London, UTC+00:00)"
        in row.body_text
    )
    assert f"/events/{Event.objects.get().slug}/edit/" in row.body_text
    assert "The public sees only the city and an approximate pin." in row.body_text
