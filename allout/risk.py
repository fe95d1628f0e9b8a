"""Which countries are high-risk for LGBT+ people: shared by events and petitions.

Staff keep the list in the events app; that app registers a provider in its
AppConfig.ready(), so petitions never imports events' internals (the same pattern as
allout.privacy). Until a provider is registered the list is Russia and Belarus, the seed.

The answer is cached for a minute: the petition page and the sign form ask on every hit,
and the list changes a few times a year. A provider's app calls `forget()` when staff
change the list so the change shows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.cache import cache

FALLBACK = frozenset({"RU", "BY"})
CACHE_KEY = "risk:high-risk-countries"
CACHE_SECONDS = 60

_provider: Callable[[], Iterable[str]] | None = None


def register(provider: Callable[[], Iterable[str]]) -> None:
    """Use `provider()` (ISO 3166-1 alpha-2 codes) as the list of high-risk countries."""
    global _provider
    _provider = provider


def forget() -> None:
    """Drop the cached list; the next call asks the provider again."""
    cache.delete(CACHE_KEY)


def high_risk_countries() -> frozenset[str]:
    """The upper-case codes of every country staff mark high-risk."""
    if _provider is None:
        return FALLBACK
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return frozenset(cached)
    codes = frozenset(str(code).upper() for code in _provider())
    cache.set(CACHE_KEY, sorted(codes), CACHE_SECONDS)
    return codes


def is_high_risk(country_code: str) -> bool:
    """Whether people in `country_code` must never be shown publicly."""
    return str(country_code).upper() in high_risk_countries()
