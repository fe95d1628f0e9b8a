"""One rule says what an edit changed; the organizer (or moderator) is told who was emailed.

An edit by the organizer on their form and an edit by staff in the admin go through the same
service, so participants hear of a new time or place whoever made it.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.forms import SplitDateTimeWidget

from events.models import Attendance, Event
from tests.events.factories import form_data, make_attendance, make_event
from tests.outbox import rendered

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(campaign, organizer) -> Event:
    event = make_event(campaign=campaign, organizer=organizer, slug="vigil", address="Square 1")
    for _ in range(2):
        make_attendance(event, status=Attendance.Status.CONFIRMED)
    make_attendance(event)  # unconfirmed: not told
    return event


def edit(client, event: Event, **changes):
    """POST the organizer's form with the event as it is, but for `changes`."""
    client.force_login(event.organizer)
    start, end = event.local_starts_at(), event.local_ends_at()
    data = form_data(
        title=event.title,
        latitude=event.point.y,
        longitude=event.point.x,
        city=event.city,
        country=event.country.code,
        address=event.address,
        meeting_point=event.meeting_point,
        hide_exact_location="on" if event.hide_exact_location else "",
        start_time=f"{start:%H:%M}",
        end_time=f"{end:%H:%M}",
        date=start.date().isoformat(),
    )
    data.update(changes)
    response = client.post(f"/events/{event.slug}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_hiding_the_exact_point_emails_nobody_and_says_nothing_about_emails(client, event):
    said = edit(client, event, hide_exact_location="on")
    assert Event.objects.get(pk=event.pk).hide_exact_location
    assert not rendered().filter(kind="event_changed").exists()
    assert not any("emailed" in message for message in said)


def test_a_new_city_emails_confirmed_participants_and_the_organizer_is_told_how_many(client, event):
    said = edit(client, event, city="Westminster")
    assert rendered().filter(kind="event_changed").count() == 2
    assert "We emailed the new time or place to the 2 confirmed participants." in said


def test_a_new_time_is_emailed_and_the_count_is_exact(client, event):
    said = edit(client, event, start_time="15:00", end_time="17:00")
    assert rendered().filter(kind="event_changed").count() == 2
    assert "We emailed the new time or place to the 2 confirmed participants." in said


def test_a_new_description_is_emailed_to_nobody(client, event):
    said = edit(client, event, description="More details.")
    assert not rendered().filter(kind="event_changed").exists()
    assert not any("emailed" in message for message in said)


def _admin_post_data(response) -> dict:
    """The admin change form's current values, as the browser would POST them back."""
    data: dict = {}
    form = response.context["adminform"].form
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, SplitDateTimeWidget):  # the admin's split date and time
            parts = widget.decompress(value)
            for index, (part, subwidget) in enumerate(zip(parts, widget.widgets, strict=True)):
                data[f"{name}_{index}"] = subwidget.format_value(part)
        elif hasattr(value, "ewkt"):  # a point: the map widget posts it as text
            data[name] = value.ewkt
        elif value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


def test_staff_moving_an_event_in_the_admin_emails_its_participants(client, staff_user, event):
    client.force_login(staff_user)
    url = f"/admin/events/event/{event.pk}/change/"
    data = _admin_post_data(client.get(url))
    data["meeting_point"] = "By the west gate"
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert Event.objects.get(pk=event.pk).meeting_point == "By the west gate"
    rows = rendered().filter(kind="event_changed")
    assert rows.count() == 2 and "By the west gate" in rows[0].body_text
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("emailed to 2 confirmed participants" in message for message in said)


def test_staff_changing_only_the_title_in_the_admin_emails_nobody(client, staff_user, event):
    client.force_login(staff_user)
    url = f"/admin/events/event/{event.pk}/change/"
    data = _admin_post_data(client.get(url))
    data["title"] = "A clearer title"
    assert client.post(url, data).status_code == 302
    assert Event.objects.get(pk=event.pk).title == "A clearer title"
    assert not rendered().filter(kind="event_changed").exists()


def test_an_event_an_hour_later_is_one_change_of_time(event):
    from events.services import registration

    before = Event.objects.get(pk=event.pk)
    event.starts_at += datetime.timedelta(hours=1)
    event.ends_at += datetime.timedelta(hours=1)
    change = registration.notify_change(before, event)
    assert change.rescheduled and not change.moved and change.notified == 2


def test_staff_cannot_move_an_event_into_a_high_risk_country_in_the_admin(
    client, staff_user, event
):
    client.force_login(staff_user)
    url = f"/admin/events/event/{event.pk}/change/"
    data = _admin_post_data(client.get(url))
    data["point"] = "SRID=4326;POINT (37.6173 55.7558)"  # Moscow, the country left as GB
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "Public events cannot be listed in this country" in response.content.decode()
    event.refresh_from_db()
    assert event.point.x == pytest.approx(-0.12831)
