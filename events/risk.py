"""Where events may not be listed: the high-risk countries (allout.risk) as events see them.

An event's point counts as well as its country, and events' cached map is dropped when staff
change the list (EventsConfig.ready connects `list_changed`).
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db import transaction

from allout import risk
from events import geo
from events.finder import mapdata


def high_risk_country_at(country: str, point: Point | None = None) -> str | None:
    """The high-risk country an event in `country` at `point` would be in, if any.

    The point's time zone is checked too, so choosing another country in the form does not
    get a pin in Moscow past the refusal.
    """
    codes = risk.high_risk_countries()
    if country and str(country) in codes:
        return str(country)
    if point is None:
        return None
    found = sorted(geo.countries_in_timezone(geo.timezone_name_at(point)) & codes)
    return found[0] if found else None


def list_changed(**kwargs) -> None:
    """Receiver of allout's HighRiskCountry post_save and post_delete."""
    # The public queries (EventQuerySet.approved) read the list, and the cached map was built
    # from them. Dropped now, for this transaction's own readers, and again after commit,
    # since a concurrent request may cache the old map in between.
    mapdata.forget()
    transaction.on_commit(mapdata.forget)
