"""Template helpers of the event finder: the home page's map preview, distances.

Named finder_tags (not events_tags) so the event pages' own tags can live beside them.
"""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from allout.models import Campaign
from events import mapdata

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


@register.filter
def km(metres: float | None) -> str:
    """Metres as kilometres for people: one decimal below 100 km, whole kilometres above."""
    if metres is None:
        return ""
    kilometres = metres / 1000
    decimals = 1 if kilometres < 100 else 0
    return _("%(distance)s km") % {"distance": number_format(kilometres, decimals)}
