"""The API's resources, with the OSDI specification's field names where it has them
(https://opensupporter.github.io/osdi-docs/): events, petitions, campaigns, and the
collection envelope around a page of them.

Public facts only, the ones the site's own pages show everyone. An event's coordinates are
its public point (the approximate one where the organizer hides the exact point), read
from the `lat` and `lng` the finder's queries annotate: nothing here reads `Event.point`.
No participant, signer or organizer account appears in any resource.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from allout import markdown
from allout.i18n import neutral_reverse
from allout.links import absolute_url
from allout.models import Campaign
from events.finder.mapdata import COORDINATE_DECIMALS
from events.models import Event
from petitions.models import Petition

# OSDI identifiers are "system:id"; ours are the resources' slugs.
IDENTIFIER_SYSTEM = "allout"


def api_url(name: str, slug: str | None = None) -> str:
    """The absolute address of an API resource (the API has no language prefix)."""
    return absolute_url(reverse(f"api:{name}", args=[slug] if slug else None))


def _identifiers(slug: str) -> list[str]:
    return [f"{IDENTIFIER_SYSTEM}:{slug}"]


class LinkSerializer(serializers.Serializer):
    href = serializers.URLField()


class EventLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    osdi_campaign = LinkSerializer()

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["osdi:campaign"] = fields.pop("osdi_campaign")
        return fields


class PetitionLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    osdi_campaign = LinkSerializer(required=False, help_text="Absent when it has none.")

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["osdi:campaign"] = fields.pop("osdi_campaign")
        return fields


class CampaignLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    osdi_events = LinkSerializer(help_text="The campaign's events.")

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["osdi:events"] = fields.pop("osdi_events")
        return fields


class CoordinatesSerializer(serializers.Serializer):
    """The public point: exact, or about 300 m to 1 km off where the organizer hides it."""

    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    accuracy = serializers.SerializerMethodField(
        help_text="Rooftop: the meeting point. Approximate: the organizer shows the exact "
        "point to confirmed participants only; this one lies 300 m to 1 km from it."
    )

    def get_latitude(self, event: Event) -> float:
        return round(event.lat, COORDINATE_DECIMALS)  # type: ignore[attr-defined]

    def get_longitude(self, event: Event) -> float:
        return round(event.lng, COORDINATE_DECIMALS)  # type: ignore[attr-defined]

    @extend_schema_field({"type": "string", "enum": ["Rooftop", "Approximate"]})
    def get_accuracy(self, event: Event) -> str:
        return "Approximate" if event.hide_exact_location else "Rooftop"


class LocationSerializer(serializers.Serializer):
    """Where the event is, as much as the public may know: the city alone when hidden."""

    venue = serializers.SerializerMethodField(help_text="Empty where the point is hidden.")
    address_lines = serializers.SerializerMethodField(help_text="Empty where hidden.")
    locality = serializers.CharField(source="city")
    region = serializers.SerializerMethodField(help_text="Not recorded: always null.")
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    location = CoordinatesSerializer(source="*")

    def get_venue(self, event: Event) -> str:
        if event.hide_exact_location:
            return ""
        return event.meeting_point

    def get_address_lines(self, event: Event) -> list[str]:
        if event.hide_exact_location or not event.address:
            return []
        return [event.address]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_region(self, event: Event) -> None:
        return None


class EventSerializer(serializers.Serializer):
    """An approved upcoming event (osdi:event)."""

    identifiers = serializers.SerializerMethodField()
    title = serializers.CharField()
    description = serializers.SerializerMethodField(help_text="HTML, sanitized.")
    start_date = serializers.SerializerMethodField(
        help_text="ISO 8601, in the event's own time zone (its offset included)."
    )
    end_date = serializers.SerializerMethodField(help_text="ISO 8601, as start_date.")
    time_zone = serializers.CharField(source="timezone", help_text="IANA name of its zone.")
    status = serializers.SerializerMethodField(help_text="Always confirmed: only approved "
                                               "events are listed.")  # fmt: skip
    kind = serializers.ChoiceField(
        choices=Event.Kind.values,
        help_text="embassy: at a Russian embassy or consulate; public: a public place.",
    )
    location = LocationSerializer(source="*")
    total_accepted = serializers.IntegerField(
        source="participant_count", help_text="Confirmed participants."
    )
    browser_url = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField(
        help_text="From the point given in near, measured to the public point; null without near."
    )
    links = serializers.SerializerMethodField(method_name="get_links")

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["_links"] = fields.pop("links")
        return fields

    def get_identifiers(self, event: Event) -> list[str]:
        return _identifiers(event.slug)

    def get_description(self, event: Event) -> str:
        return markdown.render(event.description)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start_date(self, event: Event) -> str:
        return event.local_starts_at().isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end_date(self, event: Event) -> str:
        return event.local_ends_at().isoformat()

    @extend_schema_field({"type": "string", "enum": ["confirmed"]})
    def get_status(self, event: Event) -> str:
        return "confirmed"

    @extend_schema_field(OpenApiTypes.URI)
    def get_browser_url(self, event: Event) -> str:
        return absolute_url(neutral_reverse("events:detail", args=[event.slug]))

    @extend_schema_field({"type": "number", "format": "double", "nullable": True})
    def get_distance_km(self, event: Event) -> float | None:
        distance_m = getattr(event, "distance_m", None)
        return None if distance_m is None else round(distance_m / 1000, 2)

    @extend_schema_field(EventLinksSerializer)
    def get_links(self, event: Event) -> dict:
        return {
            "self": {"href": api_url("event", event.slug)},
            "osdi:campaign": {"href": api_url("campaign", event.campaign.slug)},
        }


class TargetSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField(help_text="Their title or role; may be empty.")
    organization = serializers.CharField(help_text="May be empty.")


class PetitionSerializer(serializers.Serializer):
    """A petition (osdi:petition), open or closed, with its confirmed count."""

    identifiers = serializers.SerializerMethodField()
    title = serializers.CharField()
    summary = serializers.CharField()
    petition_text = serializers.SerializerMethodField(help_text="HTML, sanitized.")
    target = TargetSerializer(source="targets.all", many=True, help_text="In the page's order.")
    total_signatures = serializers.IntegerField(
        source="signature_count", help_text="Confirmed signatures, as the petition page counts."
    )
    goal = serializers.IntegerField()
    status = serializers.SerializerMethodField()
    browser_url = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField(method_name="get_links")

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["_links"] = fields.pop("links")
        return fields

    def get_identifiers(self, petition: Petition) -> list[str]:
        return _identifiers(petition.slug)

    def get_petition_text(self, petition: Petition) -> str:
        return markdown.render(petition.text)

    @extend_schema_field({"type": "string", "enum": ["open", "closed"]})
    def get_status(self, petition: Petition) -> str:
        return "open" if petition.is_open() else "closed"

    @extend_schema_field(OpenApiTypes.URI)
    def get_browser_url(self, petition: Petition) -> str:
        return absolute_url(neutral_reverse("petitions:detail", args=[petition.slug]))

    @extend_schema_field(PetitionLinksSerializer)
    def get_links(self, petition: Petition) -> dict:
        links = {"self": {"href": api_url("petition", petition.slug)}}
        if petition.campaign is not None:
            links["osdi:campaign"] = {"href": api_url("campaign", petition.campaign.slug)}
        return links


class CampaignSerializer(serializers.Serializer):
    """A day of action that events and petitions belong to."""

    identifiers = serializers.SerializerMethodField()
    title = serializers.CharField(source="name")
    description = serializers.CharField(help_text="Plain text; may be empty.")
    date = serializers.DateField(help_text="The day of action.")
    links = serializers.SerializerMethodField(method_name="get_links")

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["_links"] = fields.pop("links")
        return fields

    def get_identifiers(self, campaign: Campaign) -> list[str]:
        return _identifiers(campaign.slug)

    @extend_schema_field(CampaignLinksSerializer)
    def get_links(self, campaign: Campaign) -> dict:
        return {
            "self": {"href": api_url("campaign", campaign.slug)},
            "osdi:events": {"href": f"{api_url('events')}?campaign={campaign.slug}"},
        }


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What is wrong, in the request's language.")
    parameter = serializers.CharField(
        required=False, help_text="The query parameter at fault, on a 400."
    )


class EntryPointLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    docs = LinkSerializer(help_text="This API's documentation, for people.")
    schema = LinkSerializer(help_text="Its OpenAPI 3 schema.")

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for name in ("events", "petitions", "campaigns"):
            fields[f"osdi:{name}"] = LinkSerializer()
        return fields


class EntryPointSerializer(serializers.Serializer):
    motd = serializers.CharField()
    osdi_version = serializers.CharField()
    links = EntryPointLinksSerializer()

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["_links"] = fields.pop("links")
        return fields


def collection_serializer(name: str, item: type[serializers.Serializer]) -> type:
    """The OSDI collection envelope around a page of `item`s, as a serializer for the schema."""
    embedded = type(
        f"{name}Embedded",
        (serializers.Serializer,),
        {
            "get_fields": lambda self: {
                f"osdi:{name.lower()}": item(many=True),
            }
        },
    )
    links = type(
        f"{name}PageLinks",
        (serializers.Serializer,),
        {
            "self": LinkSerializer(),
            "next": LinkSerializer(required=False, help_text="Absent on the last page."),
            "prev": LinkSerializer(required=False, help_text="Absent on the first page."),
        },
    )
    return type(
        f"{name}Collection",
        (serializers.Serializer,),
        {
            "total_pages": serializers.IntegerField(),
            "per_page": serializers.IntegerField(),
            "page": serializers.IntegerField(),
            "total_records": serializers.IntegerField(),
            "get_fields": lambda self: {
                **serializers.Serializer.get_fields(self),
                "_links": links(),
                "_embedded": embedded(),
            },
        },
    )


EventCollection = collection_serializer("Events", EventSerializer)
PetitionCollection = collection_serializer("Petitions", PetitionSerializer)
CampaignCollection = collection_serializer("Campaigns", CampaignSerializer)
