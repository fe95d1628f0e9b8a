"""Template helpers of the event finder: the home page's map preview, distances.

Named finder_tags (not events_tags) so the event pages' own tags can live beside them.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.db.models import CharField, Count, Value
from django.db.models.functions import Concat, Lower, Trim
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from events.models import Campaign, Event

register = template.Library()


@register.inclusion_tag("events/_map_preview.html")
def campaign_map_preview(campaign: Campaign | None) -> dict:
    """A small map of the campaign's events with how many there are, and in how many cities."""
    if campaign is None:
        return {"campaign": None}
    counts = (
        Event.objects.approved()
        .filter(campaign=campaign)
        # One city is one (name, country), however organizers typed its case and spaces.
        .aggregate(
            events=Count("pk"),
            cities=Count(
                Concat(Lower(Trim("city")), Value("|"), "country", output_field=CharField()),
                distinct=True,
            ),
        )
    )
    return {
        "campaign": campaign,
        "event_count": counts["events"],
        "city_count": counts["cities"],
        "tiles_url": settings.MAP_TILES_URL,
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
    }


@register.filter
def km(metres: float | None) -> str:
    """Metres as kilometres for people: one decimal below 100 km, whole kilometres above."""
    if metres is None:
        return ""
    kilometres = metres / 1000
    decimals = 1 if kilometres < 100 else 0
    return _("%(distance)s km") % {"distance": number_format(kilometres, decimals)}
