"""The events app's template tags: `{% load events_tags %}`.

Local times and the public place are model methods (`event.local_when`, `event.public_place`),
so pages, the admin and emails say them one way; the tags here render whole pieces.
"""

from __future__ import annotations

import json

from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from allout.models import Campaign
from events import geo
from events.finder import mapdata
from events.forms.rsvp import RSVPForm
from events.models import Event
from events.services.demand import describe
from events.services.recap import recap

register = template.Library()


@register.inclusion_tag("events/_map_preview.html")
def campaign_map_preview(campaign: Campaign | None) -> dict:
    """A small map of the campaign's events with how many there are, and in how many cities."""
    if campaign is None:
        return {"campaign": None}
    event_count, city_count = mapdata.campaign_counts(campaign)
    return {
        "campaign": campaign,
        "event_count": event_count,
        "city_count": city_count,
    }


# How the public sees an event on a map: a shown meeting point in its street; a hidden one as
# the area around its public point, wide enough to hold the exact point and no closer. The
# participant's page draws the exact pin on this same view and cannot zoom in further, so
# the tile server learns no more from a participant than from anyone opening the event page.
STREET_ZOOM = 16
AREA_ZOOM = 13


@register.simple_tag
def public_map_view(event: Event) -> SafeString:
    """The map's centre and zoom as data- attributes (static/js/event-page.js and
    participation-map.js read them); for a hidden point also the area and the zoom limit."""
    point = event.public_point
    centre = format_html(
        'data-lat="{}" data-lng="{}" data-zoom="{}"',
        f"{point.y:.6f}",
        f"{point.x:.6f}",
        AREA_ZOOM if event.hide_exact_location else STREET_ZOOM,
    )
    if not event.hide_exact_location:
        return centre
    return format_html(
        '{} data-area-m="{}" data-max-zoom="{}"', centre, geo.APPROXIMATE_MAX_M, AREA_ZOOM
    )


@register.filter
def km(metres: float | None) -> str:
    """Metres as kilometres for people: one decimal below 100 km, whole kilometres above."""
    if metres is None:
        return ""
    kilometres = metres / 1000
    decimals = 1 if kilometres < 100 else 0
    return _("%(distance)s km") % {"distance": number_format(kilometres, decimals)}


@register.inclusion_tag("events/_rsvp_box.html", takes_context=True)
def rsvp_box(context: template.Context, event: Event) -> dict:
    """How many are going and, while the event takes sign-ups, the RSVP form."""
    return {
        "event": event,
        "form": context.get("rsvp_form") or RSVPForm(request=context.get("request")),
        "retention_days": settings.PARTICIPANT_RETENTION_DAYS,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        # What its cached fields are keyed on (the event page passes it; other pages not).
        "cache_version": context.get("cache_version") or mapdata.version(),
    }


@register.inclusion_tag("events/_outcome.html")
def event_outcome(event: Event) -> dict:
    """The outcome the organizer reported after the day, if they did."""
    return {"event": event}


@register.inclusion_tag("events/_recap.html")
def campaign_recap(campaign: Campaign | None, *, limit: int = 0) -> dict:
    """The map and list of cities that took part, once the campaign day is over."""
    if campaign is None or not campaign.is_over():
        return {"campaign": campaign, "recap": None}
    summary = recap(campaign)
    cities = summary.cities
    # Every city goes on the map, even when the list beside it is cut short.
    points = [[c.lat, c.lng, f"{c.city}, {c.country_name}", c.events, c.turnout] for c in cities]
    return {
        "campaign": campaign,
        "recap": summary,
        "cities": cities[:limit] if limit else cities,
        "more": max(0, len(cities) - limit) if limit else 0,
        "points_json": json.dumps(points),
    }


@register.simple_tag
def demand_line(count: int | None, place: str = "") -> str:
    """The sentence of a demand count (events.services.demand), empty below its minimum."""
    return describe(count, place) if count is not None else ""
