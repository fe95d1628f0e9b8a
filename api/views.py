"""The read API, /api/v1/: the public events, petitions and campaigns for partner sites.

Every view here answers GET alone, with public facts only (api.serializers), to anyone:
any origin may read it (CORS, settings.CORS_URLS_REGEX), each source at most
API_RATE_LIMIT_PER_MINUTE times a minute (a 429 in JSON beyond), and every answer is
cached for API_CACHE_SECONDS, in the caller's cache (Cache-Control) and in ours, keyed on
the validated parameters (not the raw query, so junk parameters cannot fill the cache) and
on the versions that staff edits and saved events bump.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView, exception_handler

from allout.cache import release
from allout.models import Campaign
from allout.ratelimit import client_key, is_limited
from api import filters, serializers
from events.finder import mapdata, queries
from events.models import Event
from petitions.cache import page_version
from petitions.models import Petition, Target

API_CACHE_SECONDS = 60
RATE_PERIOD_SECONDS = 60
# What an event resource reads; nothing else is loaded (the exact point never is).
EVENT_FIELDS = (
    "slug", "title", "description", "starts_at", "ends_at", "timezone", "kind", "city",
    "country", "meeting_point", "address", "hide_exact_location", "participant_count",
    "campaign__slug",
)  # fmt: skip
SLUG = re.compile(filters.SLUG_PATTERN)

ERRORS = {
    400: OpenApiResponse(serializers.ErrorSerializer, description="A bad parameter, named."),
    429: OpenApiResponse(serializers.ErrorSerializer, description="Too many requests."),
}
NOT_FOUND = {404: OpenApiResponse(serializers.ErrorSerializer, description="No such resource.")}


def _exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's answer to what a view raised, with our error shape: {"error": "..."}; a bad
    query parameter (filters.read()) answers 400 naming it."""
    if isinstance(exc, filters.BadParameter):
        return _bad_parameter(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Nothing at this address."))
    elif isinstance(exc, exceptions.Throttled):  # DRF adds Retry-After from exc.wait
        exc = exceptions.Throttled(
            RATE_PERIOD_SECONDS,
            _("Too many requests from your address: wait a minute and try again."),
        )
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = {"error": str(exc.detail)}
    return response


class SourceThrottle(BaseThrottle):
    """API_RATE_LIMIT_PER_MINUTE requests a minute per source, counted by allout.ratelimit
    (a keyed hash of the address in Redis, failing open), every request counted."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        return not is_limited(
            "api-read",
            client_key(request),
            limit=settings.API_RATE_LIMIT_PER_MINUTE,
            period=RATE_PERIOD_SECONDS,
        )

    def wait(self) -> float:
        return RATE_PERIOD_SECONDS


class ReadView(APIView):
    """A public, read-only API view: no session, JSON only, rate limited, cached briefly."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    throttle_classes = [SourceThrottle]
    # The cached answer's key carries these versions (bumped by what changes the answer).
    versions: tuple[Callable[[], str], ...] = ()

    def get_exception_handler(self) -> Callable:
        return _exception_handler

    def finalize_response(self, request: Request, response: Response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code in (200, 404):
            patch_cache_control(response, public=True, max_age=API_CACHE_SECONDS)
        return response

    def one(self, slug: str, build: Callable[[], dict | None]) -> Response:
        """A detail view's answer: `build()`'s, cached by slug, or the JSON 404 (at once,
        with no query, for a slug no resource could have)."""
        data = self.cached((slug,), build) if SLUG.match(slug) else None
        return _not_found() if data is None else Response(data)

    def listing(self, parameters: dict, build: Callable[[], dict]) -> Response:
        """A list view's answer: `build()`'s, cached by its validated parameters."""
        return Response(self.cached(tuple(sorted(_query(parameters).items())), build))

    def cached(self, what: tuple, build: Callable[[], dict | None]) -> dict | None:
        """`build()`'s answer for `what` (validated parameters), from the cache or made now.

        None (no such resource) is not cached, so made-up addresses cannot fill the cache.
        """
        versions = tuple(version() for version in self.versions)
        digest = hashlib.blake2b(repr((what, versions)).encode(), digest_size=16).hexdigest()
        key = f"api:v1:{type(self).__name__}:{get_language()}:{digest}"
        data = cache.get(key)
        if data is None:
            data = build()
            if data is not None:
                cache.set(key, data, API_CACHE_SECONDS)
        return data


SCHEMA_CACHE_SECONDS = 3600

# The events' parameters whose values are without end (a point, a day): not cached.
UNBOUNDED = frozenset({"near", "radius", "date", "from", "from_", "to"})


def _bad_parameter(error: filters.BadParameter) -> Response:
    return Response({"error": error.message, "parameter": error.parameter}, status=400)


def _not_found() -> Response:
    return Response({"error": _("Nothing at this address.")}, status=404)


def _query(parameters: dict) -> dict[str, str]:
    """The validated parameters written back as a query (the pages' links repeat them)."""
    written = {}
    for name, value in parameters.items():
        if isinstance(value, tuple):
            value = ",".join(str(part) for part in value)
        written[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return written


def collection(
    name: str,
    listed: QuerySet | queries.NearestList,
    serializer: type[serializers.serializers.Serializer],
    *,
    parameters: dict,
) -> dict:
    """One page of `listed` in the OSDI collection envelope (total_pages, _links, ...)."""
    page, per_page = parameters["page"], parameters["per_page"]
    total = listed.count()
    total_pages = math.ceil(total / per_page)
    start = (page - 1) * per_page
    items = listed[start : start + per_page] if start < total else []
    base = api_url(name)

    def link(number: int) -> dict:
        return {"href": f"{base}?{urlencode(_query({**parameters, 'page': number}))}"}

    links = {"self": link(page)}
    if page < total_pages:
        links["next"] = link(page + 1)
    if page > 1:
        links["prev"] = link(min(page - 1, max(total_pages, 1)))
    return {
        "total_pages": total_pages,
        "per_page": per_page,
        "page": page,
        "total_records": total,
        "_links": links,
        "_embedded": {f"osdi:{name}": serializer(items, many=True).data},
    }


def api_url(name: str, slug: str | None = None) -> str:
    return serializers.api_url(name, slug)


# --- Events --------------------------------------------------------------------------------
def public_events() -> QuerySet[Event]:
    """What the events resources read: approved, upcoming, with their public coordinates."""
    events = Event.objects.public().select_related("campaign").only(*EVENT_FIELDS)
    return queries.with_public_coordinates(events)


class EventList(ReadView):
    """Approved upcoming events, by start or nearest first, in pages."""

    versions = (mapdata.version,)

    @extend_schema(
        operation_id="events_list",
        summary="Approved upcoming events",
        parameters=[filters.EventParameters],
        responses={200: serializers.EventCollection, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        parameters = filters.read(filters.EventParameters, request.query_params)
        chosen = filters.event_filters(parameters)

        def build() -> dict:
            listed = chosen.apply(public_events())
            return collection("events", listed, serializers.EventSerializer, parameters=parameters)

        if UNBOUNDED & parameters.keys():
            # Any point or day is a new answer: stored, they would let anyone fill the cache
            # (which the rate limit and the outbox share). Each is an index walk: built.
            return Response(build())
        return self.listing(parameters, build)


class EventDetail(ReadView):
    """One approved upcoming event (404 for any other, pending, past or rejected)."""

    versions = (mapdata.version,)

    @extend_schema(
        operation_id="events_retrieve",
        summary="One approved upcoming event",
        responses={200: serializers.EventSerializer, **NOT_FOUND, 429: ERRORS[429]},
    )
    def get(self, request: Request, slug: str) -> Response:
        def build() -> dict | None:
            event = public_events().filter(slug=slug).first()
            return None if event is None else serializers.EventSerializer(event).data

        return self.one(slug, build)


# --- Petitions -----------------------------------------------------------------------------
def petitions() -> QuerySet[Petition]:
    targets = Prefetch("targets", queryset=Target.objects.order_by("position", "pk"))
    return (
        Petition.objects.with_signature_count()
        .select_related("campaign")
        .prefetch_related(targets)
        .order_by("-created_at", "pk")
    )


class PetitionList(ReadView):
    """Every petition, open or closed, with its confirmed count."""

    # Staff edits bump it; counts in the answer are at most API_CACHE_SECONDS old.
    versions = (page_version,)

    @extend_schema(
        operation_id="petitions_list",
        summary="Petitions, newest first",
        parameters=[filters.PageParameters],
        responses={200: serializers.PetitionCollection, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        parameters = filters.read(filters.PageParameters, request.query_params)

        def build() -> dict:
            return collection(
                "petitions", petitions(), serializers.PetitionSerializer, parameters=parameters
            )

        return self.listing(parameters, build)


class PetitionDetail(ReadView):
    """One petition with its addressees in order and its confirmed count."""

    versions = (page_version,)

    @extend_schema(
        operation_id="petitions_retrieve",
        summary="One petition and its confirmed count",
        responses={200: serializers.PetitionSerializer, **NOT_FOUND, 429: ERRORS[429]},
    )
    def get(self, request: Request, slug: str) -> Response:
        def build() -> dict | None:
            petition = petitions().filter(slug=slug).first()
            return None if petition is None else serializers.PetitionSerializer(petition).data

        return self.one(slug, build)


# --- Campaigns -----------------------------------------------------------------------------
class CampaignList(ReadView):
    """The days of action events and petitions belong to."""

    versions = (page_version,)  # a campaign's edit bumps it (petitions.cache)

    @extend_schema(
        operation_id="campaigns_list",
        summary="Days of action, the latest first",
        parameters=[filters.PageParameters],
        responses={200: serializers.CampaignCollection, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        parameters = filters.read(filters.PageParameters, request.query_params)

        def build() -> dict:
            campaigns = Campaign.objects.order_by("-date", "pk")
            return collection(
                "campaigns", campaigns, serializers.CampaignSerializer, parameters=parameters
            )

        return self.listing(parameters, build)


class CampaignDetail(ReadView):
    """One day of action."""

    versions = (page_version,)

    @extend_schema(
        operation_id="campaigns_retrieve",
        summary="One day of action",
        responses={200: serializers.CampaignSerializer, **NOT_FOUND, 429: ERRORS[429]},
    )
    def get(self, request: Request, slug: str) -> Response:
        def build() -> dict | None:
            campaign = Campaign.objects.filter(slug=slug).first()
            return None if campaign is None else serializers.CampaignSerializer(campaign).data

        return self.one(slug, build)


# --- The entry point, the schema and its page ---------------------------------------------
class EntryPoint(ReadView):
    """OSDI's API entry point: where each collection is."""

    @extend_schema(
        operation_id="entry_point",
        summary="Where each collection is",
        responses={200: serializers.EntryPointSerializer, 429: ERRORS[429]},
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "motd": settings.SPECTACULAR_SETTINGS["TITLE"],
                "osdi_version": "1.1",
                "_links": {
                    "self": {"href": api_url("root")},
                    "osdi:events": {"href": api_url("events")},
                    "osdi:petitions": {"href": api_url("petitions")},
                    "osdi:campaigns": {"href": api_url("campaigns")},
                    "docs": {"href": api_url("docs")},
                    "schema": {"href": api_url("schema")},
                },
            }
        )


@method_decorator(
    cache_page(SCHEMA_CACHE_SECONDS, key_prefix=f"api-schema-{release()}"), name="get"
)
class Schema(SpectacularAPIView):
    """The OpenAPI 3 schema (YAML; ?format=json for JSON), the same as docs/openapi.yaml.

    Generating it costs tens of milliseconds of CPU: it is rate limited like the rest of the
    API and kept for an hour, under the running code's digest (allout.cache.release), so a
    deploy that changes it never serves the old one.
    """

    authentication_classes: list = []
    throttle_classes = [SourceThrottle]


class Docs(SpectacularSwaggerSplitView):
    """Swagger UI on the schema, served from our static files (drf-spectacular-sidecar).

    The split view serves its start-up script from this same address (?script), and our
    template keeps its styles in a file, so the page runs under the site's CSP.
    """

    authentication_classes: list = []
    template_name = "api/docs.html"
    url_name = "api:schema"
