"""Geography helpers: time zones from coordinates, approximate points, offline place names."""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils.crypto import salted_hmac

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


# The public point of a hidden meeting point lies between these distances of it. The event
# page draws a circle of APPROXIMATE_MAX_M around the public point, which holds the exact one.
APPROXIMATE_MIN_M = 300
APPROXIMATE_MAX_M = 1000
# The public point follows from the grid cell the exact point is in, not from the point
# itself: saving again, nudging the pin or typing more decimals keeps it, so nobody can
# collect many samples and average them. Only a move to another cell draws a new one.
CELL_M = 250
# Wherever the exact point is in its cell (a corner at worst), it is at most this far from
# the cell's centre; the offset from the centre keeps this margin (and 10 m for the Earth
# not being the sphere these sums assume) inside both bounds.
_CELL_REACH_M = CELL_M / math.sqrt(2) + 10
_OFFSET_MIN_M = APPROXIMATE_MIN_M + _CELL_REACH_M
_OFFSET_MAX_M = APPROXIMATE_MAX_M - _CELL_REACH_M
_SALT = "allout.events.geo.approximate"


def _fractions(secret: str, message: str) -> tuple[float, float]:
    """Two numbers in [0, 1) that only someone with `secret` can compute from `message`."""
    digest = salted_hmac(_SALT, message, secret=secret, algorithm="sha256").digest()
    return (
        int.from_bytes(digest[:8], "big") / 2**64,
        int.from_bytes(digest[8:16], "big") / 2**64,
    )


def _cell_centre(point: Point, secret: str) -> tuple[str, Point]:
    """The grid cell `point` is in (as a key) and the cell's centre.

    Cells are CELL_M high and at most CELL_M wide. The grid itself is shifted by the secret,
    so that knowing the code does not tell where cells begin.
    """
    shift_lat, shift_lng = _fractions(secret, "grid")
    lat_step = math.degrees(CELL_M / EARTH_RADIUS_M)
    row = math.floor((point.y + 90) / lat_step - shift_lat)
    south = -90 + (row + shift_lat) * lat_step
    # A row is widest, in metres per degree, at its edge nearest the equator: cells sized
    # there are at most CELL_M wide everywhere in the row.
    widest = max(math.cos(math.radians(south)), math.cos(math.radians(south + lat_step)), 1e-9)
    lng_step = min(360.0, math.degrees(CELL_M / (EARTH_RADIUS_M * widest)))
    column = math.floor((point.x + 180) / lng_step - shift_lng)
    west = -180 + (column + shift_lng) * lng_step
    centre = Point(west + lng_step / 2, south + lat_step / 2, srid=4326)
    return f"{row}:{column}", centre


def approximate(point: Point, *, secret: str | None = None) -> Point:
    """The public point of a hidden meeting point: APPROXIMATE_MIN_M to APPROXIMATE_MAX_M
    away, in a direction only the secret (settings.SECRET_KEY by default) tells.

    The same cell and secret always give the same point (see CELL_M).
    """
    secret = settings.SECRET_KEY if secret is None else secret
    cell, centre = _cell_centre(point, secret)
    bearing, reach = _fractions(secret, f"offset:{cell}")
    return offset_point(
        centre,
        distance_m=_OFFSET_MIN_M + reach * (_OFFSET_MAX_M - _OFFSET_MIN_M),
        bearing_deg=bearing * 360,
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
