"""The finder's SQL: nearest-first events by their public point, walking the GiST index.

Django's `Distance` annotation ordered by `order_by("distance")` makes PostgreSQL compute the
distance of every candidate row and sort them all (without a radius, a scan of the whole
table). PostGIS's `<->` operator in ORDER BY instead walks the GiST index on `public_point`
nearest-first and stops after LIMIT rows. bench/README.md shows both plans at 100,000 events.

Everything here reads `public_point` and never `point`: a distance measured from an exact
point that the organizer hid would let anyone trilaterate it.

Every measure (the `<->` order, the distance shown, the radius cut and count) is taken on
the same sphere, so they agree to the metre: `<->` on geography measures on the sphere, while
`ST_Distance` and `ST_DWithin` default to the spheroid, which differs by up to 0.5%. Mixing
them would list an event "49.9 km" away and yet leave it out of a 50 km radius.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable
from typing import NamedTuple, Protocol, TypeVar

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, QuerySet, Value
from django.utils import timezone

from events.models import Event, LocalDate

# The column every public distance, coordinate and map marker comes from.
PUBLIC_POINT = "public_point"


class HasDistance(Protocol):
    @property
    def distance_m(self) -> float: ...


T = TypeVar("T", bound=HasDistance)


class GeographyPoint(Func):
    """A WGS 84 point as a geography constant, built from two bound floats."""

    template = "ST_SetSRID(ST_MakePoint(%(expressions)s), 4326)::geography"
    output_field = FloatField()  # never selected on its own, only passed to the functions below

    def __init__(self, lng: float, lat: float) -> None:
        super().__init__(Value(float(lng)), Value(float(lat)))


class KnnDistance(Func):
    """`column <-> point`: the sphere distance, which ORDER BY answers from the GiST index."""

    template = "(%(expressions)s)"
    arg_joiner = " <-> "
    output_field = FloatField()


class SphereDistance(Func):
    """`ST_Distance(column, point, false)`: metres on the sphere, as `<->` measures them."""

    function = "ST_Distance"
    template = "%(function)s(%(expressions)s, false)"
    output_field = FloatField()


class SphereDWithin(Func):
    """`ST_DWithin(column, point, metres, false)`: within a radius, on the sphere (indexed)."""

    function = "ST_DWithin"
    template = "%(function)s(%(expressions)s, false)"
    output_field = BooleanField()


class Longitude(Func):
    template = "ST_X(%(expressions)s::geometry)"
    output_field = FloatField()


class Latitude(Func):
    template = "ST_Y(%(expressions)s::geometry)"
    output_field = FloatField()


def with_public_coordinates(queryset: QuerySet) -> QuerySet:
    """Annotate `lng` and `lat` of the public point (plain floats, no GEOS object per row)."""
    return queryset.annotate(lng=Longitude(PUBLIC_POINT), lat=Latitude(PUBLIC_POINT))


def on_local_day(queryset: QuerySet, day: datetime.date) -> QuerySet:
    """Events that start on `day` in their own time zone (16 March in Tokyo and in Lima)."""
    return queryset.alias(local_day=LocalDate("starts_at", "timezone")).filter(local_day=day)


def within(queryset: QuerySet, *, lat: float, lng: float, radius_km: float) -> QuerySet:
    """Events whose public point is at most `radius_km` from (lat, lng), found by the index.

    For counting everything in a radius. To list the nearest events in one, use `nearest`
    and `cut_at_radius`: see why there.
    """
    radius_m = Value(float(radius_km) * 1000)
    return queryset.filter(SphereDWithin(F(PUBLIC_POINT), GeographyPoint(lng, lat), radius_m))


def nearest(queryset: QuerySet, *, lat: float, lng: float) -> QuerySet:
    """`queryset` nearest first from (lat, lng), each annotated with `distance_m`.

    Slice it: `[:20]` walks the GiST index for 20 rows and stops. To keep a radius, cut the
    slice with `cut_at_radius`: the nearest n within a radius are the nearest n cut at it.
    Putting `ST_DWithin` in this query instead looks natural but plans badly: PostGIS
    estimates its selectivity at a fixed handful of rows whatever the radius, so the planner
    expects fewer matches than LIMIT and, for a wide radius, trades the index walk for a
    bitmap scan and a sort of every event in the radius (30 ms instead of 0.3 ms at 500 km
    over 100,000 events; bench/README.md has both plans).

    There is no tie-break after the distance: a second sort key makes PostgreSQL sort every
    row instead of walking the index. Events at the very same point (two protests at one
    embassy) come in either order, so when such a tie straddles a page boundary one of them
    may show on both pages: a fair price for the index walk.
    """
    origin = GeographyPoint(lng, lat)
    return queryset.annotate(distance_m=SphereDistance(F(PUBLIC_POINT), origin)).order_by(
        KnnDistance(F(PUBLIC_POINT), origin)
    )


def cut_at_radius(rows: Iterable[T], radius_km: float | None) -> list[T]:
    """The rows of a `nearest` slice up to the first one farther than `radius_km`."""
    if radius_km is None:
        return list(rows)
    radius_m = float(radius_km) * 1000
    return list(itertools.takewhile(lambda row: row.distance_m <= radius_m, rows))


class NearbyRow(NamedTuple):
    slug: str
    title: str
    city: str
    country: str
    kind: str
    starts_at: datetime.datetime
    timezone: str
    distance_m: float
    lat: float
    lng: float


# nearby.json answers every "near me" search, partner sites' included. Its SQL is written out
# once here because building and compiling the same query with the ORM on each request took
# as long as PostgreSQL took to run it (bench/README.md). It is `nearest()` over
# `Event.objects.public()` and must keep that rule (approved, not in a high-risk country, not
# yet ended): the tests hold it to the ORM's answer.
NEARBY_SQL = """
    SELECT slug, title, city, country, kind, starts_at, timezone,
           ST_Distance(
               public_point, ST_SetSRID(ST_MakePoint(%(lng)s, %(lat)s), 4326)::geography, false
           ) AS distance_m,
           ST_Y(public_point::geometry) AS lat,
           ST_X(public_point::geometry) AS lng
    FROM events_event
    WHERE status = %(approved)s AND ends_at >= %(now)s
      AND country NOT IN (SELECT country FROM allout_highriskcountry)
    ORDER BY public_point <-> ST_SetSRID(ST_MakePoint(%(lng)s, %(lat)s), 4326)::geography
    LIMIT %(limit)s
"""


def nearby_params(*, lat: float, lng: float, limit: int) -> dict:
    return {
        "lat": float(lat),
        "lng": float(lng),
        "limit": int(limit),
        "approved": Event.Status.APPROVED.value,
        "now": timezone.now(),
    }


def nearby(*, lat: float, lng: float, limit: int) -> list[NearbyRow]:
    """The `limit` public events nearest to (lat, lng), nearest first (cut with cut_at_radius)."""
    with connection.cursor() as cursor:
        cursor.execute(NEARBY_SQL, nearby_params(lat=lat, lng=lng, limit=limit))
        return [NearbyRow(*row) for row in cursor.fetchall()]


class NearestList:
    """Nearest-first events that Django's Paginator can count and slice page by page.

    Each page is a slice of `nearest` (an index walk of one page), cut at the radius;
    `count` finds everything within the radius through the index. `prepare` adds what the
    page shows (fields, coordinates) to each page's query.
    """

    def __init__(
        self,
        queryset: QuerySet,
        *,
        lat: float,
        lng: float,
        radius_km: float | None = None,
        prepare: Callable[[QuerySet], QuerySet] = lambda queryset: queryset,
    ) -> None:
        self.queryset = queryset
        self.lat, self.lng, self.radius_km = lat, lng, radius_km
        self.prepare = prepare

    def count(self) -> int:
        queryset = self.queryset
        if self.radius_km is not None:
            queryset = within(queryset, lat=self.lat, lng=self.lng, radius_km=self.radius_km)
        return queryset.count()

    def __getitem__(self, bounds: slice) -> list:
        if not isinstance(bounds, slice):
            raise TypeError("NearestList supports only slices")
        found = nearest(self.queryset, lat=self.lat, lng=self.lng)
        return cut_at_radius(self.prepare(found)[bounds], self.radius_km)
