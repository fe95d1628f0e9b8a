"""For partner sites and calendars: the iCalendar feeds and the embeddable map (SPEC "Public
URLs"). Both take `country` (an ISO code) and `campaign` (a slug), and a wrong one is a 400.

They show what the finder shows everyone, and no more: public points (approximate where the
organizer hid the exact one), the city of a hidden event, counts of nobody.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_safe
from django_countries.fields import Country

from allout.framing import frameable
from allout.i18n import neutral_reverse
from allout.links import absolute_url
from events import calendar
from events.finder import mapdata
from events.forms.finder import PartnerFilterForm
from events.models import Event

# The embedded map lists the first few events by date; the map shows them all.
EMBED_LIST_LENGTH = 10
EMBED_CACHE_SECONDS = 60
EMBED_KEY = "events:embed:list:{version}:{language}:{digest}"
# What a listed event shows; nothing else is read from the row.
LISTED_FIELDS = ("slug", "title", "city", "country", "kind", "starts_at", "ends_at", "timezone")


@require_safe
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The iCalendar feed of the upcoming events (of a country, of a campaign), for
    calendars to subscribe to: cached briefly, and answered 304 when it has not changed."""
    form = PartnerFilterForm(request.GET)
    if not form.is_valid():
        return plain_bad_request(form.first_error())
    feed = calendar.feed(**form.cleaned_data)
    etag = f'"{feed.etag}"'
    response = HttpResponse(feed.body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=calendar.FEED_CACHE_SECONDS)
    # In the visitor's language (country names, the calendar's name), like the pages.
    patch_vary_headers(response, ["Cookie"])
    return get_conditional_response(request, etag=etag, response=response) or response


@frameable
@require_safe
def embed_map(request: HttpRequest) -> HttpResponse:
    """The map of the events (of a country, of a campaign) and a short list of them, for
    partner sites to frame; it sizes its frame like the petition widget (static/js/embed.js)."""
    form = PartnerFilterForm(request.GET)
    if not form.is_valid():
        return plain_bad_request(form.first_error())
    scope = form.cleaned_data
    query = {
        "country": scope["country"],
        "campaign": scope["campaign"].slug if scope["campaign"] else "",
    }
    query = {name: value for name, value in query.items() if value}
    geojson_url = neutral_reverse("events:map_geojson")
    context = {
        "geojson_url": f"{geojson_url}?{urlencode(query)}" if query else geojson_url,
        "finder_url": absolute_url(reverse("events:list")),
        "country": Country(scope["country"]) if scope["country"] else None,
        "campaign": scope["campaign"],
        "events_list": _embed_list(request, scope, query),
    }
    response = render(request, "events/embed_map.html", context)
    patch_cache_control(response, public=True, max_age=EMBED_CACHE_SECONDS)
    return response


def _embed_list(request: HttpRequest, scope: dict, query: dict[str, str]) -> str:
    """The list under the embedded map, rendered once a minute per scope and language (and
    at once after any event is saved: the key carries the map's version)."""
    digest = hashlib.blake2b(repr(sorted(query.items())).encode(), digest_size=12).hexdigest()
    key = EMBED_KEY.format(version=mapdata.version(), language=get_language(), digest=digest)
    rendered = cache.get(key)
    if rendered is None:
        events = Event.objects.public()
        if scope["country"]:
            events = events.filter(country=scope["country"])
        if scope["campaign"] is not None:
            events = events.filter(campaign=scope["campaign"])
        listed = list(events.order_by("starts_at", "pk").only(*LISTED_FIELDS)[:EMBED_LIST_LENGTH])
        context = {
            "events": [(event, absolute_url(event.get_absolute_url())) for event in listed],
            "total": events.count() if len(listed) == EMBED_LIST_LENGTH else len(listed),
            "finder_url": absolute_url(reverse("events:list")),
        }
        rendered = render_to_string("events/_embed_list.html", context, request)
        cache.set(key, rendered, EMBED_CACHE_SECONDS)
    return rendered


def finder_links(*, country: str = "") -> dict[str, str]:
    """What the finder offers: the calendar feed to subscribe to (and the country's, when
    the search was a country), and the code of the embedded map for partners.

    The feeds keep the page's language (its prefix: a calendar app sends no cookie and
    seldom the reader's languages); the map's code is unprefixed, so that it speaks the
    language of each visitor of the partner's site.
    """
    feed = absolute_url(reverse("events:calendar_feed"))
    embed = absolute_url(neutral_reverse("events:embed_map"))
    links = {
        "feed_url": feed,
        "feed_webcal_url": _webcal(feed),
        "embed_map_url": embed,
        "embed_script_url": absolute_url(static("js/embed-resize.js")),
    }
    if country:
        query = urlencode({"country": country})
        links |= {
            "feed_country": Country(country).name,
            "country_feed_url": f"{feed}?{query}",
            "country_feed_webcal_url": _webcal(f"{feed}?{query}"),
            "embed_map_url": f"{embed}?{query}",
        }
    return links


def _webcal(url: str) -> str:
    """The feed's address with the webcal scheme, which opens the visitor's calendar app."""
    return "webcal://" + url.split("://", 1)[1]


def plain_bad_request(message: str) -> HttpResponse:
    """A 400 whose body is the message alone, for machines' addresses (the feeds, the
    GeoJSON) and for a partner's frame, where a page of ours would look broken."""
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
