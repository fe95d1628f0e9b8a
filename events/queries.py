"""The finder's SQL: nearest-first events by their public point, walking the GiST index.

Django's `Distance` annotation ordered by `order_by("distance")` makes PostgreSQL compute the
distance of every row and sort them all (a full scan: 110-370 ms at 100,000 events). PostGIS's
`<->` operator in ORDER BY instead walks the GiST index on `public_point` nearest-first and
stops after LIMIT rows (well under a millisecond). bench/README.md shows both plans.

Everything here reads `public_point` and never `point`: a distance measured from an exact
point that the organizer hid would let anyone trilaterate it.

All three measures (the `<->` order, the distance shown, the radius cut) are taken on the
same sphere, so they agree to the metre: `<->` on geography measures on the sphere, while
`ST_Distance` and `ST_DWithin` default to the spheroid, which differs by up to 0.5%. Mixing
them would list an event "49.9 km" away and yet leave it out of a 50 km radius.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import BooleanField, DateField, F, FloatField, Func, QuerySet, Value

# The column every public distance, coordinate and map marker comes from.
PUBLIC_POINT = "public_point"


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
    """`ST_DWithin(column, point, metres, false)`: within a radius, on the sphere."""

    function = "ST_DWithin"
    template = "%(function)s(%(expressions)s, false)"
    output_field = BooleanField()


class Longitude(Func):
    template = "ST_X(%(expressions)s::geometry)"
    output_field = FloatField()


class Latitude(Func):
    template = "ST_Y(%(expressions)s::geometry)"
    output_field = FloatField()


class LocalDate(Func):
    """The calendar date of a UTC timestamp in the time zone named by another column."""

    template = "(%(expressions)s)::date"
    arg_joiner = " AT TIME ZONE "
    output_field = DateField()


def with_public_coordinates(queryset: QuerySet) -> QuerySet:
    """Annotate `lng` and `lat` of the public point (plain floats, no GEOS object per row)."""
    return queryset.annotate(lng=Longitude(PUBLIC_POINT), lat=Latitude(PUBLIC_POINT))


def on_local_day(queryset: QuerySet, day: datetime.date) -> QuerySet:
    """Events that start on `day` in their own time zone (16 March in Tokyo and in Lima)."""
    return queryset.alias(local_day=LocalDate("starts_at", "timezone")).filter(local_day=day)


def within(queryset: QuerySet, *, lat: float, lng: float, radius_km: float) -> QuerySet:
    """Events whose public point is at most `radius_km` from (lat, lng); uses the GiST index."""
    radius_m = Value(float(radius_km) * 1000)
    return queryset.filter(SphereDWithin(F(PUBLIC_POINT), GeographyPoint(lng, lat), radius_m))


def nearest(
    queryset: QuerySet,
    *,
    lat: float,
    lng: float,
    limit: int,
    offset: int = 0,
    radius_km: float | None = None,
) -> QuerySet:
    """The `limit` events of `queryset` nearest to (lat, lng), after `offset`, nearest first.

    Each is annotated with `distance_m`. Two steps, on purpose:

    1. a subquery walks the GiST index with `ORDER BY public_point <-> origin LIMIT n`;
    2. the outer query keeps those within the radius (`ST_DWithin`), measures them and sorts
       those few rows (here a primary-key tie-break is free).

    The nearest n within a radius are the nearest n, cut at the radius. Putting `ST_DWithin`
    in the subquery instead looks simpler, but PostGIS estimates its selectivity at a fixed
    handful of rows, so for a wide radius the planner expects fewer matches than LIMIT and
    switches to a bitmap scan plus a sort of every candidate (30 ms instead of 0.3 ms at 500 km
    over 100,000 events). The LIMIT in the subquery keeps the filter out of it.
    """
    origin = GeographyPoint(lng, lat)
    nearest_ids = queryset.order_by(KnnDistance(F(PUBLIC_POINT), origin)).values("pk")
    found = queryset.model._base_manager.filter(pk__in=nearest_ids[offset : offset + limit])
    if radius_km is not None:
        found = within(found, lat=lat, lng=lng, radius_km=radius_km)
    return found.annotate(distance_m=SphereDistance(F(PUBLIC_POINT), origin)).order_by(
        "distance_m", "pk"
    )


class NearestList:
    """Nearest-first events that Django's Paginator can count and slice page by page.

    A sliced queryset would put LIMIT/OFFSET on the outer query of `nearest`; this hands the
    page's bounds to the index walk instead. `prepare` adds what the page shows (fields,
    coordinates) to each page's query.
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
        if not isinstance(bounds, slice) or bounds.start is None or bounds.stop is None:
            raise TypeError("NearestList supports only [start:stop] slices")
        found = nearest(
            self.queryset,
            lat=self.lat,
            lng=self.lng,
            radius_km=self.radius_km,
            offset=bounds.start,
            limit=bounds.stop - bounds.start,
        )
        return list(self.prepare(found))
