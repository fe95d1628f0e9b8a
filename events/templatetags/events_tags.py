"""Event presentation helpers: `{% load events_tags %}`.

Times are always shown in the event's own time zone, whatever the reader's: a protest in
Tokyo starts at 14:00 in Tokyo. Django's `date` filter would convert to the site's zone.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from events.models import Event

register = template.Library()


def utc_offset(moment: datetime.datetime) -> str:
    """'UTC+05:30' or 'UTC-03:00' (with a true minus sign) for `moment`'s own offset."""
    offset = moment.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\N{MINUS SIGN}"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


@register.filter
def local_day(event: Event) -> str:
    """The event's date where it happens: 'Saturday 16 March 2030'."""
    return date_format(event.local_starts_at(), "l j F Y")


@register.filter
def local_hours(event: Event) -> str:
    """Start and end in local time: '14:00-16:00' (with an en dash)."""
    start, end = event.local_starts_at(), event.local_ends_at()
    if start.date() != end.date():
        return f"{start:%H:%M} \N{EN DASH} {date_format(end, 'j F')} {end:%H:%M}"
    return f"{start:%H:%M}\N{EN DASH}{end:%H:%M}"


@register.filter
def zone_label(event: Event) -> str:
    """The time zone and its offset on the day: 'Europe/London, UTC+00:00'."""
    return f"{event.timezone}, {utc_offset(event.local_starts_at())}"


@register.filter
def local_when(event: Event) -> str:
    """One line for emails and lists: day, hours and zone."""
    return _("%(day)s, %(hours)s (local time: %(zone)s)") % {
        "day": local_day(event),
        "hours": local_hours(event),
        "zone": zone_label(event),
    }


@register.filter
def public_place(event: Event) -> str:
    """Where the public may know the event is: the city only when the point is hidden."""
    country = event.country.name
    if event.hide_exact_location:
        return f"{event.city}, {country}"
    return ", ".join(
        part for part in (event.meeting_point, event.address, event.city, country) if part
    )
