"""What an event puts in someone's calendar: links that add it to Google Calendar or Outlook,
the event's .ics file, and the iCalendar feeds of many events (/events/calendar.ics).

The links are built here, on the server, as plain links: no outside script runs on our pages.
They and the .ics entries carry only what the event page tells everyone: the title, the
times, the public place (the city alone when the point is hidden, never the exact point or
address; the approximate point), and the event's address on the site. One function,
`entry()`, writes an event's VEVENT for the single file and for the feeds alike.
"""

from __future__ import annotations

import datetime
import hashlib
import html
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries

from allout import markdown
from allout.links import absolute_url
from allout.models import Campaign
from events.finder import mapdata
from events.models import Event

PRODID = "-//allout day of action//events//EN"
# The feeds are kept this long, under the map's version (any saved event drops them at
# once): what is left to expire is an event that ends, which may stay a few minutes longer.
FEED_CACHE_SECONDS = 300
FEED_KEY = "events:calendar:feed:{version}:{language}:{country}:{campaign}"
# How often subscribed calendars are asked to fetch again (REFRESH-INTERVAL).
FEED_REFRESH = datetime.timedelta(hours=1)


def google_calendar_url(event: Event) -> str:
    """Google Calendar's "new event" form, filled in."""
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_compact_utc(event.starts_at)}/{_compact_utc(event.ends_at)}",
        "details": absolute_url(event.get_absolute_url()),
        "location": event.public_place(),
    }
    return "https://calendar.google.com/calendar/render?" + _encode(query)


def outlook_calendar_url(event: Event) -> str:
    """Outlook on the web's "new event" form, filled in (`rru=addevent` opens it as a form)."""
    query = {
        "rru": "addevent",
        "subject": event.title,
        "startdt": _iso_utc(event.starts_at),
        "enddt": _iso_utc(event.ends_at),
        "body": absolute_url(event.get_absolute_url()),
        "location": event.public_place(),
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + _encode(query)


def plain_description(event: Event) -> str:
    """The description as text, then the event's absolute URL: calendars show neither
    Markdown nor HTML, and a relative link leads nowhere from them."""
    text = html.unescape(strip_tags(markdown.render(event.description))).strip()
    url = absolute_url(event.get_absolute_url())
    return f"{text}\n\n{url}" if text else url


def uid(event: Event) -> str:
    """The event's UID in every calendar: its primary key and the site's host, which no edit
    changes (a slug or a title would), so an edited event replaces its old entry."""
    return f"event-{event.pk}@{urlsplit(settings.SITE_URL).hostname}"


def sequence(event: Event) -> int:
    """SEQUENCE: 0 until the event is first changed, then the seconds from its creation to
    its latest public change (stamp_public_changes). No revision counter is kept; this one only
    grows, as RFC 5545 asks."""
    return max(0, int((changed_at(event) - event.created_at).total_seconds()))


def changed_at(event: Event) -> datetime.datetime:
    """When its public entry last changed (stamp_public_changes); until then, its creation."""
    return event.public_changed_at or event.created_at


def entry(event: Event) -> icalendar.Event:
    """The event as a VEVENT: local times under the event's own TZID, public facts only.

    A cancelled event says so (STATUS:CANCELLED, and in its title for calendars that ignore
    the status) with no more than its cancelled page shows: the city, not the meeting point.
    Its DTSTAMP, LAST-MODIFIED and SEQUENCE come from the last change of these public facts
    (stamp_public_changes), so that a feed's bytes and ETag hold while only hidden details
    (the meeting point, the organizer's contact) change: a watcher learns nothing of them.
    """
    vevent = _public_entry(event)
    changed = changed_at(event)
    # The time this version of the event was written, not the time of the request: the same
    # events give the same bytes, so the feed's ETag holds until something changes.
    vevent.add("dtstamp", changed)
    vevent.add("last-modified", changed)
    vevent.add("sequence", sequence(event))
    return vevent


def _public_entry(event: Event) -> icalendar.Event:
    url = absolute_url(event.get_absolute_url())
    vevent = icalendar.Event()
    vevent.add("uid", uid(event))
    vevent.add("created", event.created_at)
    vevent.add("dtstart", event.local_starts_at())
    vevent.add("dtend", event.local_ends_at())
    vevent.add("url", url)
    if event.status == Event.Status.CANCELLED:
        vevent.add("summary", _("Cancelled: %(title)s") % {"title": event.title})
        vevent.add("status", "CANCELLED")
        vevent.add("location", f"{event.city}, {event.country.name}")
        note = event.cancellation_note.strip()
        vevent.add("description", f"{note}\n\n{url}" if note else url)
        return vevent
    if event.status == Event.Status.APPROVED:
        vevent.add("status", "CONFIRMED")
    vevent.add("summary", event.title)
    vevent.add("description", plain_description(event))
    vevent.add("location", event.public_place())
    vevent.add("geo", (round(event.public_point.y, 6), round(event.public_point.x, 6)))
    return vevent


def stamp_public_changes(events: list[Event]) -> None:
    """Record the time now for each event whose public entry differs from the one its digest
    was taken of (the first look only takes the digest: the event keeps the time it had).

    Taken when a calendar is built, not when the event is saved, so every way an event
    changes (a form, the admin, a queryset update) is seen, and none that leaves its public
    entry alone is. In one language, so the feeds of other languages agree on it.
    """
    # As stored now: an event read from a cache may carry an older digest.
    stored = {
        pk: (digest, changed)
        for pk, digest, changed in Event.objects.filter(pk__in=[e.pk for e in events]).values_list(
            "pk", "public_digest", "public_changed_at"
        )
    }
    now = timezone.now()
    for event in events:
        event.public_digest, event.public_changed_at = stored.get(
            event.pk, (event.public_digest, event.public_changed_at)
        )
        with translation.override(settings.LANGUAGE_CODE):
            digest = hashlib.blake2b(_public_entry(event).to_ical(), digest_size=16).hexdigest()
        if digest == event.public_digest:
            continue
        changed = event.public_changed_at
        if event.public_digest:
            # Later than the time it had, whatever this process's clock says: SEQUENCE grows.
            changed = max(now, changed_at(event) + datetime.timedelta(seconds=1))
        # Only over the digest read above (update() leaves updated_at as it is): of feeds
        # built at once, one stamps the change and the others take its stamp.
        if Event.objects.filter(pk=event.pk, public_digest=event.public_digest).update(
            public_digest=digest, public_changed_at=changed
        ):
            event.public_digest, event.public_changed_at = digest, changed
        else:
            event.public_digest, event.public_changed_at = Event.objects.filter(
                pk=event.pk
            ).values_list("public_digest", "public_changed_at").first() or (digest, changed)


def ics(events: Iterable[Event], *, name: str = "") -> bytes:
    """An iCalendar file of `events`, with a VTIMEZONE for each of their zones; `name` makes
    it a feed that calendars subscribe to (its name and how often to refresh it)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", icalendar.vDuration(FEED_REFRESH))
    events = list(events)
    stamp_public_changes(events)
    days = []
    for event in events:
        calendar.add_component(entry(event))
        days.append(event.local_starts_at().date())
    if days:
        # The zones' rules around the events only: the default (1970-2038) is 40 kB of
        # history per zone.
        calendar.add_missing_timezones(
            first_date=min(days) - datetime.timedelta(days=366),
            last_date=max(days) + datetime.timedelta(days=366),
        )
    return calendar.to_ical()


def feed_events(
    *, country: str = "", campaign: Campaign | None = None, now: datetime.datetime | None = None
) -> QuerySet[Event]:
    """What a feed lists: the public events that have not ended, and those that were public
    when they were cancelled (until their end), so that calendars holding one show it
    cancelled rather than losing it without a word."""
    now = now or timezone.now()
    public = Event.objects.approved().values("pk")
    cancelled = Event.objects.cancelled_after_approval().values("pk")
    events = Event.objects.filter(Q(pk__in=public) | Q(pk__in=cancelled)).upcoming(now)
    if country:
        events = events.filter(country=country)
    if campaign is not None:
        events = events.filter(campaign=campaign)
    return events.order_by("starts_at", "pk")


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str


def feed(*, country: str = "", campaign: Campaign | None = None) -> Feed:
    """The feed of `country`'s or `campaign`'s events (or every one), from the cache or built
    now, in the active language (country names, the feed's name)."""
    language = get_language() or settings.LANGUAGE_CODE
    key = FEED_KEY.format(
        version=mapdata.version(),
        language=language,
        country=country or "-",
        campaign=campaign.pk if campaign else "-",
    )
    cached = cache.get(key)
    if cached is None:
        body = ics(feed_events(country=country, campaign=campaign), name=feed_name(country))
        cached = Feed(body, hashlib.blake2b(body, digest_size=12).hexdigest())
        cache.set(key, cached, FEED_CACHE_SECONDS)
    return cached


def feed_name(country: str) -> str:
    """What a subscribed calendar is called: the site's name, and the country when there is
    one."""
    if not country:
        return _("%(site)s: protests") % {"site": settings.SITE_NAME}
    return _("%(site)s: protests in %(country)s") % {
        "site": settings.SITE_NAME,
        "country": countries.name(country),
    }


def _compact_utc(moment: datetime.datetime) -> str:
    """'20990316T140000Z', the form Google's `dates` takes."""
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso_utc(moment: datetime.datetime) -> str:
    """'2099-03-16T14:00:00Z', the form Outlook's `startdt` and `enddt` take."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _encode(query: dict[str, str]) -> str:
    """Spaces as %20, not '+': Outlook shows a '+' as it is."""
    return urlencode(query, quote_via=quote)
