"""What a request to the read API may ask: the query parameters, their validation, and the
400 that names the first bad one (as nearby.json does).

Each set of parameters is a DRF serializer, so the same class validates a request and
describes the parameters in the OpenAPI schema (api.views passes it to extend_schema).
Parameters the API does not know are ignored, and left out of the cache key.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.finder.queries import NearestList, on_local_day
from events.forms.finder import MAX_RADIUS_KM
from events.models import Event, LocalDate

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import QueryDict
    from django_stubs_ext import StrOrPromise

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
# Far beyond any real list; it keeps OFFSET (page * per_page) a number PostgreSQL takes.
MAX_PAGE = 100_000
NEAR_PATTERN = r"^\s*-?\d{1,3}(\.\d+)?\s*,\s*-?\d{1,3}(\.\d+)?\s*$"
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


def _messages(message: StrOrPromise) -> dict[str, StrOrPromise]:
    """One message for every way a parameter can be wrong: it says what is expected."""
    kinds = ("invalid", "required", "null", "blank", "min_value", "max_value", "max_string_length")
    return {**dict.fromkeys(kinds, message), "invalid_choice": message, "max_length": message}


class BadParameter(Exception):
    """A query parameter the API cannot answer; the 400 names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class PageParameters(serializers.Serializer):
    """page and per_page, on every list."""

    page = serializers.IntegerField(
        required=False,
        default=1,
        min_value=1,
        max_value=MAX_PAGE,
        help_text="Which page, from 1. A page past the last one is empty.",
        error_messages=_messages(_("page must be a whole number from 1 to 100000.")),
    )
    per_page = serializers.IntegerField(
        required=False,
        default=DEFAULT_PER_PAGE,
        min_value=1,
        max_value=MAX_PER_PAGE,
        help_text=f"Resources per page, at most {MAX_PER_PAGE}.",
        error_messages=_messages(_("per_page must be a whole number from 1 to 100.")),
    )


@extend_schema_field({"type": "string", "pattern": NEAR_PATTERN, "maxLength": 60})
class NearField(serializers.Field):
    """`lat,lng` in degrees, as a (lat, lng) pair of floats."""

    default_error_messages = {
        "invalid": _("near must be a latitude and a longitude in degrees: near=52.52,13.40.")
    }

    def to_internal_value(self, data) -> tuple[float, float]:
        if not isinstance(data, str) or len(data) > 60 or not re.match(NEAR_PATTERN, data):
            self.fail("invalid")
        lat, lng = (float(part) for part in data.split(","))
        if not (-90 <= lat <= 90 and -180 <= lng <= 180) or not math.isfinite(lat + lng):
            self.fail("invalid")
        return lat, lng

    def to_representation(self, value) -> str:
        return f"{value[0]},{value[1]}"


class EventParameters(PageParameters):
    """The events list's filters (README, "Read API")."""

    country = serializers.ChoiceField(
        choices=sorted(code for code, _name in countries),  # by code: the same in every language
        required=False,
        help_text="Events in this country (ISO 3166-1 alpha-2, upper case: DE).",
        error_messages=_messages(_("country must be a two-letter country code, such as DE.")),
    )
    date = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        format="iso-8601",
        help_text="Events that start on this day (YYYY-MM-DD) in their own time zone.",
        error_messages=_messages(_("date must be a day written YYYY-MM-DD.")),
    )
    # `from` is a Python keyword: the serializer field is renamed below.
    from_ = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        format="iso-8601",
        help_text="Events that start on this day or later, in their own time zone.",
        error_messages=_messages(_("from must be a day written YYYY-MM-DD.")),
    )
    to = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        format="iso-8601",
        help_text="Events that start on this day or earlier, in their own time zone.",
        error_messages=_messages(_("to must be a day written YYYY-MM-DD.")),
    )
    kind = serializers.ChoiceField(
        choices=Event.Kind.values,
        required=False,
        help_text="embassy: at a Russian embassy or consulate; public: a city centre or "
        "other public place.",
        error_messages=_messages(_("kind must be embassy or public.")),
    )
    campaign = serializers.RegexField(
        SLUG_PATTERN,
        max_length=50,
        required=False,
        help_text="Events of the campaign with this identifier (its slug).",
        error_messages=_messages(_("campaign must be a campaign's slug.")),
    )
    near = NearField(
        required=False,
        help_text="latitude,longitude in degrees: events nearest this point first, each "
        "with its distance_km.",
    )
    radius = serializers.FloatField(
        required=False,
        min_value=0.001,
        max_value=MAX_RADIUS_KM,
        help_text=f"With near: only events at most this many kilometres away (at most "
        f"{MAX_RADIUS_KM}). Without it, every event, nearest first.",
        error_messages=_messages(
            _("radius must be a number of kilometres above 0, at most 500, given with near.")
        ),
    )

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        # Keep the declared order (the first bad parameter is the one named).
        order = ["country", "date", "from", "to", "kind", "campaign", "near", "radius"]
        return {name: fields[name] for name in [*order, "page", "per_page"]}

    def validate_radius(self, radius: float) -> float:
        # The finder's distance is on a sphere; NaN and infinity would reach SQL.
        if not math.isfinite(radius):
            raise serializers.ValidationError(self.fields["radius"].error_messages["invalid"])
        return radius

    def validate(self, attrs: dict) -> dict:
        if "radius" in attrs and "near" not in attrs:
            raise serializers.ValidationError(
                {"radius": self.fields["radius"].error_messages["invalid"]}
            )
        return attrs


@dataclass(frozen=True)
class EventFilters:
    """The validated filters of one events request; `key()` is what the cache keys on."""

    country: str | None = None
    date: datetime.date | None = None
    from_day: datetime.date | None = None
    to_day: datetime.date | None = None
    kind: str | None = None
    campaign: str | None = None
    near: tuple[float, float] | None = None
    radius_km: float | None = None

    def apply(self, events: QuerySet[Event]) -> QuerySet[Event] | NearestList:
        """`events` filtered, nearest first when `near` is given, else by start."""
        if self.country:
            events = events.filter(country=self.country)
        if self.kind:
            events = events.filter(kind=self.kind)
        if self.campaign:
            events = events.filter(campaign__slug=self.campaign)
        if self.date:
            events = on_local_day(events, self.date)
        if self.from_day or self.to_day:
            events = _between_local_days(events, self.from_day, self.to_day)
        if self.near is None:
            return events.order_by("starts_at", "pk")
        lat, lng = self.near
        # The finder's nearest-first walk of the GiST index on the public point, cut at the
        # radius (events.finder.queries; NOTES.md says why not Distance ordering).
        return NearestList(events, lat=lat, lng=lng, radius_km=self.radius_km)


def _between_local_days(
    events: QuerySet[Event], first: datetime.date | None, last: datetime.date | None
) -> QuerySet[Event]:
    """Events that start from `first` to `last` (either may be open), each in its own zone."""
    events = events.alias(start_day=LocalDate("starts_at", "timezone"))
    if first:
        events = events.filter(start_day__gte=first)
    if last:
        events = events.filter(start_day__lte=last)
    return events


def read(parameters: type[PageParameters], query: QueryDict) -> dict:
    """The validated parameters of `query`, or BadParameter naming the first bad one."""
    known: list[str] = list(parameters().fields)
    given = {name: query.get(name) for name in known if name in query}
    checked = parameters(data=given)
    if checked.is_valid():
        return dict(checked.validated_data)
    parameter, messages = next(iter(checked.errors.items()))
    if parameter == "non_field_errors":  # not raised by these classes; named for safety
        parameter = ""
    message = messages[0] if isinstance(messages, list) else messages
    raise BadParameter(parameter, str(message))


def event_filters(data: dict) -> EventFilters:
    return EventFilters(
        country=data.get("country"),
        date=data.get("date"),
        from_day=data.get("from"),
        to_day=data.get("to"),
        kind=data.get("kind"),
        campaign=data.get("campaign"),
        near=data.get("near"),
        radius_km=data.get("radius"),
    )
