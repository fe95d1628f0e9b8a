"""/events/: the list beside the map, by distance from a typed place or a point, else by date."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from events.models import Event
from tests.events.factories import make_campaign, make_event

URL = "/events/"


def listed(response) -> list[str]:
    """Slugs of the listed events, in order."""
    return re.findall(r'class="finder-item" data-slug="([^"]+)"', response.content.decode())


@pytest.fixture
def campaign(db):
    return make_campaign(date=timezone.localdate() + datetime.timedelta(days=30))


@pytest.fixture
def europe(campaign):
    """Events in London, Paris and Berlin, all at noon UTC on the campaign's day.

    One start time for the three: listed by date, they keep the order they were made in.
    """
    noon = datetime.datetime.combine(campaign.date, datetime.time(12), datetime.UTC)

    def event(**kwargs):
        return make_event(campaign=campaign, starts_at=noon, **kwargs)

    return {
        "london": event(slug="london", city="London", lat=51.5033, lng=-0.1196),
        "paris": event(slug="paris", city="Paris", country="FR", lat=48.8566, lng=2.3522),
        "berlin": event(slug="berlin", city="Berlin", country="DE", lat=52.52, lng=13.405),
    }


def test_without_a_place_the_list_shows_the_campaign_day_by_start_time(client, campaign):
    day = datetime.datetime.combine(campaign.date, datetime.time(9), datetime.UTC)
    make_event(campaign=campaign, slug="late", starts_at=day + datetime.timedelta(hours=8))
    make_event(campaign=campaign, slug="early", starts_at=day)
    make_event(campaign=campaign, slug="day-after", starts_at=day + datetime.timedelta(days=1))
    response = client.get(URL)
    assert response.status_code == 200
    assert listed(response) == ["early", "late"]
    assert "2 events on" in response.content.decode()
    assert listed(client.get(URL, {"date": "all"})) == ["early", "late", "day-after"]


def test_the_campaign_day_is_the_events_own_local_day(client, campaign):
    # 23:30 in Tokyo on the day is 14:30 UTC the day before: still the day, in Tokyo.
    tokyo = datetime.datetime.combine(campaign.date, datetime.time(23, 30))
    tokyo = tokyo.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
    make_event(
        campaign=campaign,
        slug="tokyo",
        city="Tokyo",
        country="JP",
        lat=35.68,
        lng=139.69,
        starts_at=tokyo,
    )
    # 20:00 in Lima the day before is 01:00 UTC on the day: not the day, in Lima.
    lima = datetime.datetime.combine(campaign.date, datetime.time(1), datetime.UTC)
    make_event(
        campaign=campaign,
        slug="lima",
        city="Lima",
        country="PE",
        lat=-12.05,
        lng=-77.04,
        starts_at=lima,
    )
    assert listed(client.get(URL)) == ["tokyo"]


def test_a_typed_city_lists_its_events_first_with_distances(client, europe):
    response = client.get(URL, {"q": "London"})
    assert response.status_code == 200
    html = response.content.decode()
    assert listed(response) == ["london", "paris", "berlin"]
    assert "Nearest to London, United Kingdom" in html
    assert re.search(r'class="finder-distance">0\.\d km<', html)
    assert "343 km" in html  # Paris
    assert "London, Canada" in html  # offered as the other London


def test_a_radius_keeps_only_the_events_within_it(client, europe):
    response = client.get(URL, {"q": "London", "radius": "500"})
    assert listed(response) == ["london", "paris"]
    assert "(within 500 km)" in response.content.decode()


def test_a_country_lists_only_its_events_nearest_its_capital_first(client, campaign, europe):
    make_event(campaign=campaign, slug="lyon", city="Lyon", country="FR", lat=45.764, lng=4.8357)
    response = client.get(URL, {"q": "France"})
    assert listed(response) == ["paris", "lyon"]
    assert "Events in France" in response.content.decode()


def test_a_point_from_use_my_location_sorts_by_distance_from_it(client, europe):
    response = client.get(URL, {"lat": "52.4", "lng": "13.1"})
    assert listed(response) == ["berlin", "paris", "london"]
    html = response.content.decode()
    assert "Nearest to the chosen location" in html
    # The point rides along in the form, so changing a filter keeps it.
    assert 'type="hidden" name="lat" value="52.4"' in html


def test_a_typed_place_wins_over_a_point_left_in_the_form(client, europe):
    assert listed(client.get(URL, {"q": "Paris", "lat": "52.4", "lng": "13.1"}))[0] == "paris"


def test_an_ambiguous_name_offers_choices_that_each_find_one_place(client, europe):
    response = client.get(URL, {"q": "Cambridge", "kind": "public"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There are several places called “Cambridge”" in html
    choice = re.search(r'<a href="(\?[^"]*q=Cambridge%2C\+United\+Kingdom[^"]*)"', html)
    assert choice and "kind=public" in choice.group(1)
    assert listed(response) == ["london", "paris", "berlin"]  # by date meanwhile
    followed = client.get(URL + choice.group(1).replace("&amp;", "&"))
    assert "Nearest to Cambridge, United Kingdom" in followed.content.decode()
    assert listed(followed)[0] == "london"


def test_an_unknown_place_says_so_and_lists_every_event_by_date(client, europe):
    response = client.get(URL, {"q": "Xyzzyville"})
    assert response.status_code == 200
    assert "We could not find a place called “Xyzzyville”" in response.content.decode()
    assert sorted(listed(response)) == ["berlin", "london", "paris"]


def test_kind_filters_the_list(client, campaign, europe):
    make_event(campaign=campaign, slug="embassy", kind=Event.Kind.EMBASSY)
    assert listed(client.get(URL, {"kind": "embassy"})) == ["embassy"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lat": "abc", "lng": "0"}, "Latitude: Enter a number."),
        ({"lat": "95", "lng": "0"}, "Latitude: Ensure this value is less than or equal to 90."),
        ({"lat": "10"}, "A point needs both a latitude and a longitude."),
        ({"radius": "9000"}, "Within: Ensure this value is less than or equal to 500."),
        ({"date": "tomorrow"}, "When: Choose a day as YYYY-MM-DD"),
        ({"kind": "riot"}, "Kind: Select a valid choice."),
    ],
)
def test_a_bad_parameter_is_explained_with_a_400_and_the_rest_still_works(
    client, europe, params, message
):
    response = client.get(URL, {"q": "Paris", **params})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Nearest to Paris, France" in html
    assert listed(response)[0] == "paris"


def test_a_page_number_out_of_range_shows_the_last_page(client, europe):
    assert client.get(URL, {"page": "999"}).status_code == 200
    assert client.get(URL, {"page": "abc"}).status_code == 200


def test_the_list_is_paged_by_distance(client, campaign):
    for number in range(25):
        make_event(campaign=campaign, slug=f"e{number:02}", lat=52.5 + number / 100, lng=13.4)
    first = client.get(URL, {"lat": "52.5", "lng": "13.4"})
    second = client.get(URL, {"lat": "52.5", "lng": "13.4", "page": "2"})
    assert listed(first) == [f"e{n:02}" for n in range(20)]
    assert listed(second) == [f"e{n:02}" for n in range(20, 25)]
    assert "Page 1 of 2" in first.content.decode()


def test_hidden_exact_points_never_reach_the_page(client, campaign):
    event = make_event(
        campaign=campaign, slug="hidden", lat=55.7558, lng=37.6173, hide_exact_location=True
    )
    for params in [{}, {"lat": "55.75", "lng": "37.61"}, {"q": "Moscow"}]:
        html = client.get(URL, params).content.decode()
        assert "hidden" in listed(client.get(URL, params))
        # Never the exact pair (one coordinate may match when the offset ran due north or east).
        assert not ("55.7558" in html and "37.6173" in html)
        assert f'data-lat="{event.approximate_point.y:.5f}"' in html


@pytest.mark.parametrize(
    "status", [Event.Status.PENDING, Event.Status.REJECTED, Event.Status.CANCELLED]
)
def test_events_that_are_not_approved_are_never_listed(client, campaign, status):
    make_event(campaign=campaign, slug="not-public", status=status)
    for params in [{}, {"q": "London"}, {"date": "all"}]:
        assert listed(client.get(URL, params)) == []


def test_events_that_have_ended_are_never_listed(client, campaign):
    ended = timezone.now() - datetime.timedelta(minutes=1)
    make_event(
        campaign=campaign, slug="over", starts_at=ended - datetime.timedelta(hours=2), ends_at=ended
    )
    assert listed(client.get(URL, {"date": "all", "q": "London"})) == []


def test_an_empty_search_suggests_wider_ones(client, campaign):
    html = client.get(URL, {"q": "London", "radius": "10"}).content.decode()
    assert "No protest matches this search yet." in html
    assert "See every upcoming event" in html and "Look further away" in html


@pytest.mark.parametrize(
    "params", [{}, {"q": "London"}, {"q": "London", "radius": "100", "kind": "public"}]
)
def test_the_page_takes_three_queries(client, europe, django_assert_num_queries, params):
    # The campaign, the count for the pages, the page of events.
    with django_assert_num_queries(3):
        assert client.get(URL, params).status_code == 200


def test_the_map_reads_its_settings_from_data_attributes_and_loads_no_inline_script(client, europe):
    html = client.get(URL, {"q": "London", "radius": "50"}).content.decode()
    assert 'data-geojson-url="/events/map.geojson"' in html
    assert 'data-origin-lat="51.50853"' in html and 'data-radius-km="50"' in html
    assert 'data-tiles-url=""' in html  # the tests run without a tile server
    assert "<script>" not in html and " style=" not in html
    # The hreflang alternates name this site's own pages in full; browsers load none.
    loaded = re.sub(r'<link rel="alternate" hreflang="[^"]+" href="[^"]+">', "", html)
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', loaded)
    assert all(src.startswith("/") for src in sources)
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in sources


def test_every_search_field_has_a_label(client, campaign):
    html = client.get(URL).content.decode()
    for field in ["q", "date", "kind", "radius"]:
        assert f'<label for="id_{field}">' in html


def test_the_home_page_shows_the_map_preview_and_the_numbers(
    client, campaign, django_assert_num_queries
):
    make_event(campaign=campaign, slug="a", city="London")
    make_event(campaign=campaign, slug="b", city=" london ")
    make_event(campaign=campaign, slug="c", city="Paris", country="FR")
    make_event(campaign=campaign, slug="d", city="Berlin", status=Event.Status.PENDING)
    # The campaign, the numbers, and the promoted petition (two lookups: there is none here).
    with django_assert_num_queries(4):
        html = client.get("/").content.decode()
    assert re.search(r"<strong>3</strong>\s*protests", html)
    assert re.search(r"<strong>2</strong>\s*cities", html)
    assert "data-finder-map" in html and "data-preview" in html
    with django_assert_num_queries(0):  # the whole page comes from the cache (allout.pages)
        client.get("/")


def test_the_home_page_numbers_follow_changes(client, campaign, django_capture_on_commit_callbacks):
    make_event(campaign=campaign, slug="a")
    assert re.search(r"<strong>1</strong>\s*protest\b", client.get("/").content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        make_event(campaign=campaign, slug="b", city="Paris", country="FR")
    html = client.get("/").content.decode()
    assert re.search(r"<strong>2</strong>\s*protests", html)
    assert re.search(r"<strong>2</strong>\s*cities", html)


def test_a_malformed_point_alone_is_a_400_that_still_lists_events_by_date(client, europe):
    response = client.get(URL, {"lat": "abc", "lng": "2.35"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Latitude: Enter a number." in html and "Events by date" in html
    assert len(listed(response)) == 3
