"""The public map's data: every approved upcoming event as compact GeoJSON, cached and gzipped.

Built at most once per change: the cache key carries a version that any saved or deleted
event bumps (after its transaction commits), and the entry expires when the first event in
it ends, so the map never shows an event that is over for long.

Each feature holds only public data: the public point (approximate where the organizer hid
the exact one), the title, city, kind, local start time and the page's URL. Short property
names keep 10,000 events well under 400 KB gzipped (bench/README.md); static/js/finder.js
reads them.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import uuid
import zoneinfo
from dataclasses import dataclass
from functools import cache as memoize

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from events import queries
from events.models import Event

VERSION_KEY = "events:map:version"
DATA_KEY = "events:map:geojson:{version}"
# Even with no event ending soon, rebuild at least this often (a bulk update skips signals).
MAX_AGE_SECONDS = 60 * 10
COORDINATE_DECIMALS = 5  # about a metre: more only adds bytes

# GeoJSON property names (kept short: 10,000 features repeat them).
SLUG, TITLE, CITY, KIND, STARTS = "s", "t", "c", "k", "d"


@dataclass(frozen=True)
class MapData:
    plain: bytes
    gzipped: bytes
    etag: str


def current() -> MapData:
    """The map's GeoJSON, from the cache or built now."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # add(): when two requests race here, both end up reading the winner's version.
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY) or version
    key = DATA_KEY.format(version=version)
    data = cache.get(key)
    if data is None:
        data, expires_in = build()
        cache.set(key, data, timeout=expires_in)
    return data


def forget() -> None:
    """Drop the cached map: the next request builds it afresh."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def build(now: datetime.datetime | None = None) -> tuple[MapData, int]:
    """The GeoJSON of every public event, and how many seconds it stays true."""
    now = now or timezone.now()
    rows = (
        queries.with_public_coordinates(Event.objects.approved().upcoming(now))
        .order_by("pk")  # a stable order keeps the bytes (and the ETag) stable
        .values_list(
            "slug", "title", "city", "kind", "starts_at", "ends_at", "timezone", "lng", "lat"
        )
    )
    features = []
    first_end = now + datetime.timedelta(seconds=MAX_AGE_SECONDS)
    for slug, title, city, kind, starts_at, ends_at, tz, lng, lat in rows:
        first_end = min(first_end, ends_at)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(lng, COORDINATE_DECIMALS),
                        round(lat, COORDINATE_DECIMALS),
                    ],
                },
                "properties": {
                    SLUG: slug,
                    TITLE: title,
                    CITY: city,
                    KIND: kind,
                    STARTS: starts_at.astimezone(_zone(tz)).isoformat(timespec="minutes"),
                },
            }
        )
    document = {
        "type": "FeatureCollection",
        # Where each event's page is: the slug replaces the placeholder.
        "url": reverse("events:detail", args=["-slug-"]),
        "features": features,
    }
    plain = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    # mtime=0: the same events always give the same bytes.
    gzipped = gzip.compress(plain, compresslevel=9, mtime=0)
    etag = hashlib.blake2b(plain, digest_size=12).hexdigest()
    expires_in = max(1, int((first_end - now).total_seconds()))
    return MapData(plain=plain, gzipped=gzipped, etag=etag), expires_in


@memoize
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name or "UTC")


@receiver(post_save, sender=Event, dispatch_uid="events.mapdata.event_saved")
@receiver(post_delete, sender=Event, dispatch_uid="events.mapdata.event_deleted")
def _event_changed(sender, **kwargs) -> None:
    # After commit: bumping before it would let a request rebuild from the old rows under the
    # new version and keep them. Code that changes events with QuerySet.update() (no signal)
    # calls forget() itself; MAX_AGE_SECONDS bounds what it might miss.
    transaction.on_commit(forget)
