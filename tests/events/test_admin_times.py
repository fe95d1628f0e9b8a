"""Staff read and type an event's start and end in the event's own time zone in the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory

from events.models import Event
from tests.events.factories import local, make_event

pytestmark = pytest.mark.django_db

# Rio de Janeiro: America/Sao_Paulo, UTC-3 all year (Brazil dropped summer time in 2019).
RIO: dict[str, Any] = {
    "lat": -22.970722,
    "lng": -43.182365,
    "city": "Rio de Janeiro",
    "country": "BR",
}


def rio_event(**kwargs) -> Event:
    event = make_event(place="sao-paulo", lat=RIO["lat"], lng=RIO["lng"], city=RIO["city"])
    assert event.timezone == "America/Sao_Paulo"
    kwargs.setdefault("starts_at", local(event.campaign.date, "11:00", event.timezone))
    kwargs.setdefault("ends_at", local(event.campaign.date, "13:00", event.timezone))
    for name, value in kwargs.items():
        setattr(event, name, value)
    event.save()
    return event


def admin_form(staff_user, event: Event, data: dict | None = None) -> forms.ModelForm:
    request = RequestFactory().get("/admin/")
    request.user = staff_user
    form_class = admin.site._registry[Event].get_form(request, event, change=True)
    return form_class(data, instance=event)


def as_post(form: forms.ModelForm) -> dict:
    """What the browser sends back for an untouched form."""
    data = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value) or []):
                data[f"{bound.html_name}_{index}"] = widget.widgets[index].format_value(part)
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = str(value)
    return data


def test_the_admin_shows_the_start_and_end_in_the_events_own_time(staff_user):
    form = admin_form(staff_user, rio_event())
    assert 'value="11:00:00"' in str(form["starts_at"])
    assert 'value="13:00:00"' in str(form["ends_at"])
    assert "America/Sao_Paulo, UTC\N{MINUS SIGN}03:00" in str(form["starts_at"].help_text)


def test_saving_the_admin_form_untouched_keeps_the_times(staff_user):
    event = rio_event()
    form = admin_form(staff_user, event, as_post(admin_form(staff_user, event)))
    assert form.is_valid(), form.errors
    assert form.changed_data == []
    form.save()
    event.refresh_from_db()
    assert event.local_starts_at().strftime("%H:%M") == "11:00"


def test_a_time_typed_in_the_admin_is_read_in_the_events_time_zone(staff_user):
    event = rio_event()
    data = as_post(admin_form(staff_user, event))
    data["ends_at_1"] = "14:30:00"
    form = admin_form(staff_user, event, data)
    assert form.is_valid(), form.errors
    assert form.changed_data == ["ends_at"]
    form.save()
    event.refresh_from_db()
    assert event.ends_at == local(event.campaign.date, "14:30", "America/Sao_Paulo")
    assert event.starts_at == local(event.campaign.date, "11:00", "America/Sao_Paulo")


def test_moving_the_point_to_another_zone_reads_the_times_in_the_new_one(staff_user):
    event = rio_event()
    data = as_post(admin_form(staff_user, event))
    data["point"] = "SRID=4326;POINT (-0.12831 51.50846)"  # London
    form = admin_form(staff_user, event, data)
    assert form.is_valid(), form.errors
    form.save()
    event.refresh_from_db()
    assert event.timezone == "Europe/London"
    assert event.starts_at == local(event.campaign.date, "11:00", "Europe/London")


def test_a_city_centre_event_is_saved_in_the_admin_without_a_street_address(staff_user):
    event = rio_event(address="")
    form = admin_form(staff_user, event, as_post(admin_form(staff_user, event)))
    assert form.is_valid(), form.errors


def test_the_queue_gives_each_start_in_local_time_with_its_zone(client, staff_user):
    event = rio_event()
    client.force_login(staff_user)
    html = client.get("/admin/events/event/", {"status": "all"}).content.decode()
    assert f"{event.campaign.date:%Y-%m-%d} 11:00 (America/Sao_Paulo, UTC\N{MINUS SIGN}03:00)" in (
        html
    )


def test_a_point_off_the_globe_is_a_form_error_in_the_admin_not_a_crash(staff_user):
    event = rio_event()
    data = as_post(admin_form(staff_user, event))
    data["point"] = "SRID=4326;POINT (999 -95)"
    form = admin_form(staff_user, event, data)
    assert not form.is_valid()
    assert list(form.errors) == ["point"]
