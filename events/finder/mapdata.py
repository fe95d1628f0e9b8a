"""The public map's data: every approved upcoming event as compact GeoJSON, cached and gzipped,
and the home page's numbers of events and cities.

Built at most once per change: the cache keys carry a version that saving or deleting an
event the public may see bumps (after its transaction commits; a pending one bumps nothing),
and the entries expire when the first event in them ends, so the map never shows an event
that is over for long.

Each feature holds only public data: the public point (approximate where the organizer hid
the exact one), the page's URL, the title, city, kind and local start time. Short property
names keep 10,000 events under 400 KB gzipped (bench/README.md); static/js/finder.js reads
them.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import zoneinfo
from dataclasses import dataclass
from functools import cache as memoize

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from allout import cache as versions
from allout.i18n import neutral_reverse
from allout.models import Campaign
from events.finder import queries
from events.models import Event

VERSION = "events:map"  # allout.cache.version(): saving or deleting a public event bumps it
DATA_KEY = "events:map:geojson:{version}:{scope}:{encoding}"
COUNTS_KEY = "events:map:counts:{version}:{campaign}"
# Even with no event ending soon, rebuild at least this often (a bulk update skips signals).
MAX_AGE_SECONDS = 60 * 10
COORDINATE_DECIMALS = 5  # about a metre: more only adds bytes

# GeoJSON property names, short because 10,000 features repeat them.
URL, TITLE, CITY, KIND, STARTS = "u", "t", "c", "k", "d"
SLUG_PLACEHOLDER = "-slug-"


@dataclass(frozen=True)
class MapData:
    """The GeoJSON in one encoding, with the ETag both encodings share."""

    body: bytes
    etag: str


def version() -> str:
    """The current version of everything cached from the public events; forget() replaces it.

    Other caches of what events show (the finder's list) carry it in their keys too.
    """
    return versions.version(VERSION)


def current(*, gzipped: bool, country: str = "", campaign: Campaign | None = None) -> MapData:
    """The map's GeoJSON, gzipped or not, from the cache or built now: every public event,
    or those of one country or campaign (a partner's embedded map)."""
    current_version = version()
    # Few scopes: the countries and campaigns PartnerFilterForm lets through.
    scope = f"{country or '-'}:{campaign.pk if campaign else '-'}"
    keys = {encoding: DATA_KEY.format(version=current_version, scope=scope, encoding=encoding)
            for encoding in ("gzip", "identity")}  # fmt: skip
    wanted = keys["gzip" if gzipped else "identity"]
    data = cache.get(wanted)
    if data is None:
        # Two requests may build at once after a change; each build is a single query.
        plain, expires_in = build(country=country, campaign=campaign)
        etag = hashlib.blake2b(plain, digest_size=12).hexdigest()
        # Level 9: compressed once per change, downloaded by every visitor (about 3% smaller
        # than level 6 for 50 ms more). mtime=0: the same events always give the same bytes.
        encoded = {
            keys["identity"]: MapData(plain, etag),
            keys["gzip"]: MapData(gzip.compress(plain, compresslevel=9, mtime=0), etag),
        }
        cache.set_many(encoded, timeout=expires_in)
        data = encoded[wanted]
    return data


def campaign_counts(campaign: Campaign) -> tuple[int, int]:
    """How many approved events the campaign has, and in how many cities (for the home page).

    Read on every visit to the home page, so cached with the map and dropped with it.
    """
    key = COUNTS_KEY.format(version=version(), campaign=campaign.pk)
    counts = cache.get(key)
    if counts is None:
        totals = (
            Event.objects.approved()
            .filter(campaign=campaign)
            .with_city_key()
            .aggregate(events=Count("pk"), cities=Count("city_key", distinct=True))
        )
        counts = (totals["events"], totals["cities"])
        cache.set(key, counts, timeout=MAX_AGE_SECONDS)
    return counts


def forget() -> None:
    """Drop the cached map: the next request builds it afresh."""
    versions.bump(VERSION)


def event_url_template() -> str:
    """The event page's URL with SLUG_PLACEHOLDER for the slug: one reverse() for many events.
    Unprefixed: the map is built once for every language, and the page opens in the reader's."""
    return neutral_reverse("events:detail", args=[SLUG_PLACEHOLDER])


def build(
    now: datetime.datetime | None = None, *, country: str = "", campaign: Campaign | None = None
) -> tuple[bytes, int]:
    """The GeoJSON of every public event (of `country`, of `campaign` when given), and for
    how many seconds it stays true."""
    now = now or timezone.now()
    events = Event.objects.approved().upcoming(now)
    if country:
        events = events.filter(country=country)
    if campaign is not None:
        events = events.filter(campaign=campaign)
    rows = (
        queries.with_public_coordinates(events)
        .order_by("pk")  # a stable order keeps the bytes (and the ETag) stable
        .values_list(
            "slug", "title", "city", "kind", "starts_at", "ends_at", "timezone", "lng", "lat"
        )
    )  # fmt: skip
    url = event_url_template()
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
                    URL: url.replace(SLUG_PLACEHOLDER, slug),
                    TITLE: title,
                    CITY: city,
                    KIND: kind,
                    STARTS: starts_at.astimezone(zone(tz)).isoformat(timespec="minutes"),
                },
            }
        )
    document = {"type": "FeatureCollection", "features": features}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return body, max(1, int((first_end - now).total_seconds()))


@memoize
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The time zone called `name` (UTC for an empty name), looked up once per process."""
    return zoneinfo.ZoneInfo(name or "UTC")


@receiver(post_save, sender=Event, dispatch_uid="events.mapdata.event_saved")
@receiver(post_delete, sender=Event, dispatch_uid="events.mapdata.event_deleted")
def _event_changed(sender, instance: Event, **kwargs) -> None:
    # Only for a change the public may see: a registration waiting for moderation (a hidden
    # point, a high-risk city) must not make the next map request slower, telling someone
    # who polls it that an event was just registered.
    if not instance.may_change_public_pages():
        return
    # After commit: bumping before it would let a request rebuild from the old rows under the
    # new version and keep them. Code that changes events with QuerySet.update() (no signal)
    # calls forget() itself; MAX_AGE_SECONDS bounds what it might miss.
    transaction.on_commit(forget)
