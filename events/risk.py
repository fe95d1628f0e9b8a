"""Which countries are too dangerous for public events (staff keep HighRiskCountry rows).

The rows are the provider of allout.risk (registered in EventsConfig.ready), which caches
the set for every app; changing the list drops that cache at once.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from allout import risk
from events import geo
from events.finder import mapdata
from events.models import HighRiskCountry


def stored_codes() -> frozenset[str]:
    """The codes staff keep, read from the database (allout.risk caches them)."""
    return frozenset(
        str(code) for code in HighRiskCountry.objects.values_list("country", flat=True)
    )


SEED = {
    "RU": "Public LGBT+ activity is treated as extremism; events would endanger people.",
    "BY": "Arrests for LGBT+ and opposition activity; events would endanger people.",
}


def seed(using: str = "default", **kwargs) -> None:
    """Start an empty list with Russia and Belarus (after every migrate, like permissions).

    Only an empty list is seeded: a platform for this campaign with no high-risk country at
    all is a mistake, while staff's own changes to a non-empty list are kept.
    """
    if not HighRiskCountry.objects.using(using).exists():
        HighRiskCountry.objects.using(using).bulk_create(
            HighRiskCountry(country=code, note=note) for code, note in SEED.items()
        )


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


def _forget(**kwargs) -> None:
    # The public queries (EventQuerySet.approved) read the list, and the cached map was built
    # from them. Dropped now, for this transaction's own readers, and again after commit,
    # since a concurrent request may cache the old list or map in between.
    _drop_caches()
    transaction.on_commit(_drop_caches)


def _drop_caches() -> None:
    risk.forget()
    mapdata.forget()


post_save.connect(_forget, sender=HighRiskCountry, dispatch_uid="events.risk.saved")
post_delete.connect(_forget, sender=HighRiskCountry, dispatch_uid="events.risk.deleted")
