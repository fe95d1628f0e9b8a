"""Which countries are high-risk for LGBT+ people: shared by events and petitions.

Staff keep the list in the admin (allout.models.HighRiskCountry); after every migrate an
empty list is seeded with Russia and Belarus.

The answer is cached for a minute in Redis and for a few seconds in each process
(allout.cache.local): the petition page, the sign form and every RSVP ask on every hit, and
the list changes a few times a year. Saving or deleting a row drops both (AlloutConfig.ready
connects `list_changed`), so a change shows at once in the process that made it and within
allout.cache.LOCAL_SECONDS (5 s) in the others.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction

from allout.cache import local
from allout.models import HighRiskCountry

CACHE_KEY = "risk:high-risk-countries"
CACHE_SECONDS = 60

SEED = {
    "RU": "Public LGBT+ activity is treated as extremism; events would endanger people.",
    "BY": "Arrests for LGBT+ and opposition activity; events would endanger people.",
}


def forget() -> None:
    """Drop the cached list; the next call reads the database again."""
    high_risk_countries.forget()
    cache.delete(CACHE_KEY)


@local()
def high_risk_countries() -> frozenset[str]:
    """The upper-case codes of every country staff mark high-risk."""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return frozenset(cached)
    codes = frozenset(
        str(code).upper() for code in HighRiskCountry.objects.values_list("country", flat=True)
    )
    cache.set(CACHE_KEY, sorted(codes), CACHE_SECONDS)
    return codes


def is_high_risk(country_code: str) -> bool:
    """Whether people in `country_code` must never be shown publicly."""
    return str(country_code).upper() in high_risk_countries()


def list_changed(**kwargs) -> None:
    """Receiver of HighRiskCountry's post_save and post_delete."""
    # Dropped now, for this transaction's own readers, and again after commit, since a
    # concurrent request may cache the old list in between.
    forget()
    transaction.on_commit(forget)


def seed(apps=global_apps, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Start an empty list with Russia and Belarus (after every migrate, like permissions).

    Only an empty list is seeded: a platform for this campaign with no high-risk country at
    all is a mistake, while staff's own changes to a non-empty list are kept.
    """
    try:
        # The migrated state's model: after a migrate back past allout 0003 there is none.
        model = apps.get_model("allout", "HighRiskCountry")
    except LookupError:
        return
    if not model.objects.using(using).exists():
        model.objects.using(using).bulk_create(
            model(country=code, note=note) for code, note in SEED.items()
        )
