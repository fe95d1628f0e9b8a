"""Template pieces for taking part: the RSVP box, the report, the recap, local times."""

from __future__ import annotations

import json

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from allout.models import Campaign
from events import participation
from events.models import Event
from events.participation_forms import RSVPForm

register = template.Library()


@register.simple_tag
def event_when(event: Event) -> str:
    """The start and end in the event's own time zone, named, e.g. for emails."""
    starts, ends = event.local_starts_at(), event.local_ends_at()
    # date_format formats the datetime as given: it does not convert to the site's zone.
    start_text = formats.date_format(starts, "l j F Y, H:i")
    end_format = "H:i" if ends.date() == starts.date() else "l j F Y, H:i"
    end_text = formats.date_format(ends, end_format)
    return _("%(start)s to %(end)s (local time, %(zone)s)") % {
        "start": start_text,
        "end": end_text,
        "zone": event.timezone or "UTC",
    }


@register.inclusion_tag("events/_rsvp_box.html", takes_context=True)
def rsvp_box(context: template.Context, event: Event) -> dict:
    """How many are going and, while the event takes sign-ups, the RSVP form."""
    return {
        "event": event,
        "form": context.get("rsvp_form") or RSVPForm(),
        "retention_days": settings.PARTICIPANT_RETENTION_DAYS,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("events/_report.html")
def event_report(event: Event) -> dict:
    """The organizer's report after the day, if they wrote one."""
    return {"event": event}


@register.inclusion_tag("events/_recap.html")
def campaign_recap(campaign: Campaign | None, *, limit: int = 0) -> dict:
    """The map and list of cities that took part, once the campaign day is over."""
    if campaign is None or not campaign.is_over():
        return {"campaign": campaign, "recap": None}
    recap = participation.recap(campaign)
    cities = recap.cities
    # Every city goes on the map, even when the list beside it is cut short.
    points = [[c.lat, c.lng, f"{c.city}, {c.country_name}", c.events, c.turnout] for c in cities]
    return {
        "campaign": campaign,
        "recap": recap,
        "cities": cities[:limit] if limit else cities,
        "more": max(0, len(cities) - limit) if limit else 0,
        "points_json": json.dumps(points),
    }
