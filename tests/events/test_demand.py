"""Hosts see demand, never people: a count of people near a place, from ten up, no names."""

import pytest
from django.contrib.gis.geos import Point

from events.services import demand
from tests.events.factories import (
    form_data,
    make_alert,
    make_attendance,
    make_event,
    make_organizer,
)

pytestmark = pytest.mark.django_db

# 20 km north of the centre of London.
NEAR_LONDON = {"lat": 51.69, "lng": -0.13}


def people_wanting_a_protest_near_london(campaign, count: int) -> None:
    """Half confirmed alerts, half confirmed participants of another event nearby."""
    other = make_event(campaign=campaign, title="Another London vigil")
    for number in range(count):
        if number % 2:
            make_alert(campaign, email=f"alert{number}@example.org", status="confirmed")
        else:
            make_attendance(other, email=f"going{number}@example.org", status="confirmed")


def test_nine_people_are_not_counted_anywhere(client, campaign):
    people_wanting_a_protest_near_london(campaign, 9)
    make_alert(campaign, email="unconfirmed@example.org")  # not counted
    organizer = make_organizer()
    event = make_event(campaign=campaign, organizer=organizer, **NEAR_LONDON)
    assert demand.people_near(event.public_point, excluding=event) == 9
    client.force_login(organizer)
    assert (
        "asked to hear about protests"
        not in client.get(f"/events/mine/{event.slug}/").content.decode()
    )
    answer = client.get("/events/demand.json", NEAR_LONDON).json()
    assert answer == {"count": None, "text": "", "radius_km": 50}


def test_ten_people_are_shown_as_a_count_and_never_as_names(client, campaign):
    people_wanting_a_protest_near_london(campaign, 10)
    organizer = make_organizer()
    event = make_event(campaign=campaign, organizer=organizer, city="Watford", **NEAR_LONDON)
    make_attendance(event, email="mine@example.org", status="confirmed")  # its own: not counted
    client.force_login(organizer)
    html = client.get(f"/events/mine/{event.slug}/").content.decode()
    assert "10 people near Watford asked to hear about protests or are going to one." in html
    assert "alert1@example.org" not in html and "going0@example.org" not in html
    answer = client.get("/events/demand.json", {**NEAR_LONDON, "place": "St Albans"}).json()
    assert answer["count"] == 11  # the form counts every event's participants
    assert answer["text"] == (
        "11 people near St Albans asked to hear about protests or are going to one."
    )


def test_one_person_with_an_alert_and_a_sign_up_counts_once(campaign):
    other = make_event(campaign=campaign)
    make_alert(campaign, email="both@example.org", status="confirmed")
    make_attendance(other, email="both@example.org", status="confirmed")
    assert demand.people_near(other.public_point) == 1


def test_people_further_than_fifty_km_are_not_counted(campaign):
    make_alert(campaign, near="new-york", status="confirmed", radius_km=200)
    far_event = make_event(campaign=campaign, place="sao-paulo")
    make_attendance(far_event, status="confirmed")
    london = make_event(campaign=campaign)
    assert demand.people_near(london.public_point) == 0


def test_the_event_form_shows_the_count_for_the_place_chosen(client, campaign):
    people_wanting_a_protest_near_london(campaign, 10)
    organizer = make_organizer()
    client.force_login(organizer)
    html = client.get("/events/new/").content.decode()
    assert 'data-demand-url="/events/demand.json"' in html
    assert 'id="demand-count" role="status" hidden' in html
    # Without JavaScript: the form comes back (here without a title) with the count.
    html = client.post("/events/new/", form_data(title="")).content.decode()
    assert "10 people near London asked to hear about protests or are going to one." in html


def test_the_finders_empty_state_invites_to_organize_with_the_count(client, campaign):
    for number in range(10):
        make_alert(
            campaign,
            email=f"pa{number}@example.org",
            status="confirmed",
            point=Point(-51.23, -30.0331, srid=4326),
        )
    html = client.get("/events/", {"q": "Porto Alegre"}).content.decode()
    assert "No protest near Porto Alegre, Brazil yet? Organize one" in html
    assert "10 people near Porto Alegre, Brazil asked to hear about protests" in html
    assert 'href="/events/new/"' in html


def test_the_finders_empty_state_hides_a_count_under_ten(client, campaign):
    for number in range(9):
        make_alert(
            campaign,
            email=f"pa{number}@example.org",
            status="confirmed",
            point=Point(-51.23, -30.03, srid=4326),
        )
    html = client.get("/events/", {"q": "Porto Alegre"}).content.decode()
    assert "No protest near Porto Alegre, Brazil yet? Organize one" in html
    assert "asked to hear about protests" not in html


def test_a_count_is_the_same_anywhere_in_a_cell_so_small_steps_point_at_nobody(campaign):
    """Moving the circle a little at a time would show where one alert's town leaves it."""
    people_wanting_a_protest_near_london(campaign, 10)
    inside = Point(-0.24, 51.74, srid=4326)
    steps = [Point(-0.24 + dx, 51.74 + dy, srid=4326) for dx in (0, 0.02) for dy in (0, 0.02)]
    assert {demand.snapped(point).coords for point in steps} == {demand.snapped(inside).coords}
    assert {demand.demand_near(point) for point in steps} == {demand.demand_near(inside)}
    assert demand.snapped(inside).coords == (-0.25, 51.75)


def test_demand_json_is_rate_limited_like_any_form(client, settings):
    settings.RATELIMIT_ENABLED = True
    for _ in range(60):
        assert client.get("/events/demand.json", NEAR_LONDON).status_code == 200
    assert client.get("/events/demand.json", NEAR_LONDON).status_code == 429


def test_the_event_forms_count_is_under_the_same_limit(client, campaign, settings):
    """An invalid form with a place shows the count: without the limit, a way around it."""
    settings.RATELIMIT_ENABLED = True
    people_wanting_a_protest_near_london(campaign, 10)
    for _ in range(60):
        assert client.get("/events/demand.json", NEAR_LONDON).json()["count"] == 10
    organizer = make_organizer()
    client.force_login(organizer)
    html = client.post("/events/new/", form_data(title="")).content.decode()
    assert "asked to hear about protests" not in html
