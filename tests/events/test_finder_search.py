"""Typed place names, resolved offline, and the finder's parameters."""

import datetime

import pytest

from events.finder.places import look_up
from events.forms.finder import FinderForm, NearbyForm
from tests.events.factories import make_campaign


def test_a_city_much_bigger_than_its_namesakes_is_chosen_and_the_others_offered():
    lookup = look_up("London")
    assert lookup.place.label == "London, United Kingdom"
    assert [p.label for p in lookup.others] == ["London, Canada"]
    assert not lookup.is_ambiguous and not lookup.is_unknown


def test_names_of_similar_places_ask_which_one():
    lookup = look_up("Cambridge")
    assert lookup.is_ambiguous
    labels = [p.label for p in lookup.others]
    assert "Cambridge, United Kingdom" in labels
    assert "Cambridge, Massachusetts, United States of America" in labels


def test_places_that_only_once_bore_the_name_are_not_offered():
    assert look_up("Berlin").others == []  # not North Canton, Ohio, once called Berlin
    assert all(p.name == "Cambridge" for p in look_up("Cambridge").others)


def test_an_old_name_still_finds_a_city_bigger_than_its_namesakes():
    assert look_up("Kiev").place.label == "Kyiv, Ukraine"


def test_an_unknown_name_is_reported_as_unknown():
    assert look_up("Xyzzyville").is_unknown


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("London, Canada", "London, Canada"),
        ("Cambridge, Massachusetts, United States of America", None),
        ("Paris, Texas", "Paris, Texas, United States of America"),
        ("Paris, US", "Paris, Texas, United States of America"),
        ("москва", "Moscow, Russia"),
        ("sao paulo", "São Paulo, Brazil"),
    ],
)
def test_a_choice_label_or_a_qualified_name_finds_its_one_place(text, label):
    lookup = look_up(text)
    assert lookup.place is not None
    assert lookup.place.label == (label or text)


def test_a_country_and_its_capital_city_of_the_same_name_count_as_one_place():
    lookup = look_up("Luxembourg")
    assert lookup.place.kind == "country"
    assert all(p.label != "Luxembourg, Luxembourg" for p in lookup.others)


def test_a_country_is_found_as_a_country():
    place = look_up("France").place
    assert (place.kind, place.country) == ("country", "FR")


def test_the_finder_defaults_to_the_campaign_day_and_accepts_all_or_a_date(db):
    campaign = make_campaign(date=datetime.date(2099, 3, 16))
    form = FinderForm({}, campaign=campaign)
    assert form.is_valid() and form.cleaned_data["date"] is None
    assert form.default_day() == datetime.date(2099, 3, 16)
    assert FinderForm({"date": "all"}, campaign=campaign).is_valid()
    other_day = FinderForm({"date": "2099-03-17"}, campaign=campaign)
    assert other_day.is_valid()
    assert ("2099-03-17", "17 March 2099") in other_day.fields["date"].widget.choices


def test_a_campaign_that_is_over_defaults_to_every_upcoming_event(db):
    campaign = make_campaign(date=datetime.date(2000, 3, 16))
    assert FinderForm({}, campaign=campaign).default_day() is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"lat": "abc", "lng": "1"}, "lat"),
        ({"lat": "91", "lng": "1"}, "lat"),
        ({"lat": "1", "lng": "-181"}, "lng"),
        ({"lat": "nan", "lng": "1"}, "lat"),
        ({"radius": "0"}, "radius"),
        ({"radius": "501"}, "radius"),
        ({"radius": "ten"}, "radius"),
        ({"date": "16/03/2099"}, "date"),
        ({"kind": "riot"}, "kind"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_the_finder_names_each_bad_parameter(data, field):
    form = FinderForm(data)
    assert not form.is_valid()
    assert field in form.errors


def test_half_a_point_is_refused():
    form = FinderForm({"lat": "51.5"})
    assert not form.is_valid()
    assert "both a latitude and a longitude" in str(form.non_field_errors())


def test_nearby_defaults_are_50_km_and_20_results():
    form = NearbyForm({"lat": "0", "lng": "0"})
    assert form.is_valid()
    assert (form.cleaned_data["radius"], form.cleaned_data["limit"]) == (50, 20)
