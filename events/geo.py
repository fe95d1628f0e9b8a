"""Geography helpers: time zones from coordinates, approximate points, offline place names."""

from __future__ import annotations

import math
import secrets
from functools import cache

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
