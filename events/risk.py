"""Which countries are too dangerous for public events (staff keep HighRiskCountry rows).

Every registration, every moderation list and the petitions app (through allout.risk, when
present) ask for the same small set, so it is cached for a minute and dropped whenever staff
change the list.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from events import geo
from events.models import HighRiskCountry

CACHE_KEY = "events:high-risk-countries"
CACHE_SECONDS = 60


def high_risk_country_codes() -> frozenset[str]:
    """ISO codes of the countries where the platform lists no public event."""
    codes = cache.get(CACHE_KEY)
    if codes is None:
        codes = frozenset(
            str(code) for code in HighRiskCountry.objects.values_list("country", flat=True)
        )
        cache.set(CACHE_KEY, codes, CACHE_SECONDS)
    return codes


def high_risk_country_at(country: str, point: Point | None = None) -> str | None:
    """The high-risk country an event in `country` at `point` would be in, if any.

    The point's time zone is checked too, so choosing another country in the form does not
    get a pin in Moscow past the refusal.
    """
    codes = high_risk_country_codes()
    if country and str(country) in codes:
        return str(country)
    if point is None:
        return None
    found = sorted(geo.countries_in_timezone(geo.timezone_name_at(point)) & codes)
    return found[0] if found else None


def _forget(**kwargs) -> None:
    cache.delete(CACHE_KEY)


post_save.connect(_forget, sender=HighRiskCountry, dispatch_uid="events.risk.saved")
post_delete.connect(_forget, sender=HighRiskCountry, dispatch_uid="events.risk.deleted")
