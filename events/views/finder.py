"""Finding a protest: the map and list page, nearby.json and map.geojson (SPEC "Public URLs").

Every coordinate and distance these views send comes from `Event.public_point`, which is the
approximate point of an event whose organizer hid the exact one (see events/finder/queries.py).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from allout import pages
from allout.models import Campaign
from events.finder import mapdata, queries
from events.finder.places import PlaceLookup, look_up
from events.forms.finder import (
    ALL_DAYS,
    PLACE_MAX_LENGTH,
    RADIUS_STEPS_KM,
    FinderForm,
    NearbyForm,
    PartnerFilterForm,
)
from events.models import Event
from events.services import demand
from events.views.partners import finder_links, plain_bad_request

PER_PAGE = 20
# The rendered list is cached for searches anyone may repeat (a place, a day, a kind, a
# page), under the map's version, which any saved event bumps. Not for a bare point ("use
# my location": every visitor's differs) nor for other parameters (the pages' links repeat
# them). It lasts at most this long, so an event that ends leaves the list soon after.
RESULTS_CACHE_SECONDS = 60
CACHED_PARAMETERS = frozenset({"q", "date", "kind", "radius", "page"})
# And only for searches of a bounded set (_is_bounded), so that made-up searches cannot fill
# the cache: pages up to this one, days this close to today (the campaign's day, a link to
# another day soon).
MAX_CACHED_PAGE = 20
MAX_CACHED_DAYS_AWAY = 60
# What a list item shows; nothing else is read from the row.
LISTED_FIELDS = ("slug", "title", "city", "country", "kind", "starts_at", "ends_at", "timezone")


@dataclass(frozen=True)
class Origin:
    """Where distances are measured from."""

    lat: float
    lng: float
    label: str = ""  # a place's name; empty for a bare point ("use my location")
    country: str = ""  # set when the search was a whole country: list only its events


def _listed(queryset: QuerySet) -> QuerySet:
    return queries.with_public_coordinates(queryset).only(*LISTED_FIELDS)


@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    """The map and the list, sorted by distance from a place or a point, else by start time.

    Whole, for a stateless visitor, for the searches whose list is cached (allout.pages)."""
    bounded = _is_bounded(request.GET)  # asked once, for the page and for its list
    key = pages.page_key(request, "finder", parameters=CACHED_PARAMETERS) if bounded else None
    return pages.cached_page(
        request, key, lambda: _list_page(request, bounded=bounded), seconds=RESULTS_CACHE_SECONDS
    )


def _list_page(request: HttpRequest, *, bounded: bool) -> HttpResponse:
    campaign = Campaign.objects.current()
    form = FinderForm(request.GET, campaign=campaign)
    form.is_valid()
    # A bad parameter is reported (400) and left out; the good ones still apply.
    criteria = form.cleaned_data

    lookup: PlaceLookup | None = None
    origin: Origin | None = None
    if criteria.get("q"):
        lookup = look_up(criteria["q"])
        if lookup.place is not None:
            place = lookup.place
            country = place.country if place.kind == "country" else ""
            origin = Origin(place.lat, place.lng, label=place.label, country=country)
    elif criteria.get("lat") is not None and criteria.get("lng") is not None:
        origin = Origin(criteria["lat"], criteria["lng"])

    day = criteria.get("date") or form.default_day()
    day = None if day == ALL_DAYS else day
    radius_km = criteria.get("radius") if origin else None

    context = {
        "campaign": campaign,
        "form": form,
        "lookup": lookup,
        "origin": origin,
        "day": day,
        "kind": criteria.get("kind", ""),
        "radius_km": radius_km,
        # Subscribing to the calendar, and the map for partners: of the country searched for.
        **finder_links(country=origin.country if origin else ""),
    }
    key = _results_key(request, context) if bounded and not form.errors else None
    results = cache.get(key) if key else None
    if results is None:
        context["page"] = _results_page(request, context)
        context["demand"] = _demand_if_empty(context)
        results = render_to_string("events/_finder_results.html", context, request)
        if key:
            cache.set(key, results, RESULTS_CACHE_SECONDS)
    context["results"] = results
    return render(request, "events/list.html", context, status=400 if form.errors else 200)


def _demand_if_empty(context: dict) -> int | None:
    """Nothing found near a town: how many people near it want a protest (from the minimum
    up), to invite the visitor to organize one. Not for a bare point nor a country."""
    origin = context["origin"]
    if origin is None or not origin.label or origin.country or context["page"].paginator.count:
        return None
    return demand.demand_near(Point(origin.lng, origin.lat, srid=4326))


def _results_key(request: HttpRequest, context: dict) -> str:
    """The cache key of the rendered list for this search (one of the bounded set)."""
    origin = context["origin"]
    search = repr(
        (origin, context["day"], context["kind"], context["radius_km"], sorted(request.GET.lists()))
    )
    digest = hashlib.blake2b(search.encode(), digest_size=16).hexdigest()
    return f"events:finder:results:{mapdata.version()}:{get_language()}:{digest}"


def _is_bounded(query: QueryDict) -> bool:
    """Whether a search is one of a bounded set, worth caching: each parameter once, in
    the one spelling the form and the pages' links send (an empty value as the form sends
    it); a place typed as its own name or its label ("London", "London, United Kingdom"),
    not another spelling or a made-up text; a radius the form offers; a page number up to
    MAX_CACHED_PAGE; a day within MAX_CACHED_DAYS_AWAY of today.

    Anything else is answered as well, rendered for the request (the finder's every search
    is still cheap); only the cache is kept for the few thousand searches people repeat.
    Checked without the form (whose choices cost more than the cached page): the page
    that is rendered validates it, and reports what is wrong.
    """
    checks = {
        "q": _is_a_place,
        "date": _is_a_near_day,
        "kind": lambda text: text in Event.Kind.values,
        "radius": lambda text: text in _RADIUS_STEPS,
        "page": lambda text: text in _CACHED_PAGES,
    }
    return all(
        name in checks and len(values) == 1 and (values[0] == "" or checks[name](values[0]))
        for name, values in query.lists()
    )


_RADIUS_STEPS = frozenset(str(km) for km in RADIUS_STEPS_KM)
_CACHED_PAGES = frozenset(str(number) for number in range(1, MAX_CACHED_PAGE + 1))


def _is_a_place(text: str) -> bool:
    place = look_up(text).place if len(text) <= PLACE_MAX_LENGTH else None
    return place is not None and text in (place.name, place.label)


def _is_a_near_day(text: str) -> bool:
    if text == ALL_DAYS:
        return True
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return False
    # One spelling of each day: fromisoformat() takes "20270316" and "2027-W11-2" too.
    near = abs((day - timezone.localdate()).days) <= MAX_CACHED_DAYS_AWAY
    return near and text == day.isoformat()


def _results_page(request: HttpRequest, context: dict):
    """The page of events the list shows: nearest first from the origin, else by start time."""
    origin, day, radius_km = context["origin"], context["day"], context["radius_km"]
    events: QuerySet[Event] = Event.objects.public()
    if day is not None:
        events = queries.on_local_day(events, day)
    if context["kind"]:
        events = events.filter(kind=context["kind"])
    if origin is None:
        listed: QuerySet[Event] | queries.NearestList = _listed(events.order_by("starts_at", "pk"))
    else:
        if origin.country:
            events = events.filter(country=origin.country)
        listed = queries.NearestList(
            events, lat=origin.lat, lng=origin.lng, radius_km=radius_km, prepare=_listed
        )
    # NearestList offers what Paginator uses (count() and slices), not its whole protocol.
    return Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))  # type: ignore[arg-type]


@require_safe
@cache_control(public=True, max_age=60)
def nearby(request: HttpRequest) -> JsonResponse:
    """Approved upcoming events nearest to lat/lng, within `radius` km, at most `limit`."""
    form = NearbyForm(request.GET)
    if not form.is_valid():
        parameter, message = form.first_error()
        return JsonResponse({"error": message, "parameter": parameter}, status=400)
    data = form.cleaned_data
    found = queries.cut_at_radius(
        queries.nearby(lat=data["lat"], lng=data["lng"], limit=data["limit"]), data["radius"]
    )
    url = request.build_absolute_uri(mapdata.event_url_template())
    results = [
        {
            "slug": row.slug,
            "title": row.title,
            "city": row.city,
            "country": row.country,
            "kind": row.kind,
            "starts_at": row.starts_at.astimezone(mapdata.zone(row.timezone)).isoformat(),
            "distance_km": round(row.distance_m / 1000, 2),
            "lat": round(row.lat, mapdata.COORDINATE_DECIMALS),
            "lng": round(row.lng, mapdata.COORDINATE_DECIMALS),
            "url": url.replace(mapdata.SLUG_PLACEHOLDER, row.slug),
        }
        for row in found
    ]
    return JsonResponse({"results": results, "count": len(results)})


@require_safe
def map_geojson(request: HttpRequest) -> HttpResponse:
    """Every approved upcoming event as GeoJSON, from the cache, gzipped when accepted;
    `country` and `campaign` narrow it (the embedded map's, events.views.partners).

    GZipMiddleware is not installed, and would compress on every request; the cache holds
    both encodings, compressed once when built.
    """
    scope = PartnerFilterForm(request.GET)
    if not scope.is_valid():
        return plain_bad_request(scope.first_error())
    gzipped = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    data = mapdata.current(gzipped=gzipped, **scope.cleaned_data)
    response = HttpResponse(data.body, content_type="application/geo+json")
    if gzipped:
        response["Content-Encoding"] = "gzip"
    # Weak: the plain and gzipped bytes are one representation in two encodings.
    response["ETag"] = f'W/"{data.etag}"'
    patch_vary_headers(response, ["Accept-Encoding"])
    patch_cache_control(response, public=True, max_age=60)
    return get_conditional_response(request, etag=response["ETag"], response=response) or response


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (RFC 9110: "gzip;q=0" refuses it)."""
    wildcard = False
    for part in accept_encoding.split(","):
        coding, _, parameters = part.partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding in {"gzip", "x-gzip"}:
            return quality > 0
        if coding == "*":
            wildcard = quality > 0
    return wildcard
