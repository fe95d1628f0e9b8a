"""Geography helpers: time zones from coordinates, approximate points, offline place names."""

from __future__ import annotations

import math
import secrets
from functools import cache
from importlib import resources
from pathlib import Path

from django.contrib.gis.geos import Point

EARTH_RADIUS_M = 6_371_008.8


@cache
def _finder():
    from timezonefinder import TimezoneFinder

    return TimezoneFinder(in_memory=True)


def timezone_name_at(point: Point) -> str:
    """The IANA time zone at `point` (offline); UTC over open sea."""
    finder = _finder()
    return finder.timezone_at(lng=point.x, lat=point.y) or "UTC"


def offset_point(point: Point, *, distance_m: float, bearing_deg: float) -> Point:
    """The point `distance_m` metres from `point` along `bearing_deg` (great circle)."""
    lat1, lng1 = math.radians(point.y), math.radians(point.x)
    bearing = math.radians(bearing_deg)
    angular = distance_m / EARTH_RADIUS_M
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angular) + math.cos(lat1) * math.sin(angular) * math.cos(bearing)
    )
    lng2 = lng1 + math.atan2(
        math.sin(bearing) * math.sin(angular) * math.cos(lat1),
        math.cos(angular) - math.sin(lat1) * math.sin(lat2),
    )
    lng = (math.degrees(lng2) + 540) % 360 - 180
    return Point(lng, math.degrees(lat2), srid=4326)


def approximate(point: Point, *, min_m: int = 300, max_m: int = 700) -> Point:
    """A point a few hundred metres from `point` in a random direction.

    Drawn once per exact point from a CSPRNG and then stored: drawing again on every request
    would let anyone average the answers back to the exact place.
    """
    rng = secrets.SystemRandom()
    return offset_point(
        point, distance_m=rng.uniform(min_m, max_m), bearing_deg=rng.uniform(0, 360)
    )


def _zone_tables() -> list[str]:
    """The tz database's zone-to-country tables: the tzdata package's, else the system's."""
    texts = []
    for name in ("zone.tab", "zone1970.tab"):
        try:
            texts.append(resources.files("tzdata").joinpath("zoneinfo", name).read_text("utf-8"))
        except (ModuleNotFoundError, OSError):
            try:
                texts.append(Path("/usr/share/zoneinfo", name).read_text("utf-8"))
            except OSError:
                continue
    return texts


@cache
def _countries_by_zone() -> dict[str, frozenset[str]]:
    zones: dict[str, set[str]] = {}
    for text in _zone_tables():
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            codes, _, zone, *_ = line.split("\t")
            # zone1970.tab lists the zone's own country first, then the countries whose
            # clocks merely agree since 1970 (Europe/Berlin: DE,DK,NO,SE,SJ): keep the first.
            zones.setdefault(zone, set()).add(codes.split(",")[0])
    return {zone: frozenset(codes) for zone, codes in zones.items()}


def countries_in_timezone(name: str) -> frozenset[str]:
    """ISO codes of the countries whose own time zone is `name` (empty for UTC or unknown).

    Usually one. zone.tab names the country of each zone; zone1970.tab adds where the tz
    maintainers see it otherwise: Europe/Simferopol (Crimea) is UA in one and RU in the other.
    """
    return _countries_by_zone().get(name, frozenset())
