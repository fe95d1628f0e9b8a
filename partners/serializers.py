"""The pull's query and its answer, named as the Open Supporter Data Interface (OSDI) names
a signature (`osdi:signatures`, each with its `person`) and a page of a collection.

The help texts are the schema's, in English like the rest of it (not translated: one
schema, the same whatever language the process runs in).
"""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from petitions.models import Signature

MAX_PER_PAGE = 100
# A "+" in a query string decodes to a space: 2026-03-16T10:00:00+01:00 typed unencoded
# arrives as "2026-03-16T10:00:00 01:00". Its offset is put back rather than refused.
_SPACED_OFFSET = re.compile(r"(T[\d:.]+) (\d\d(?::?\d\d)?)$")


class SinceField(serializers.DateTimeField):
    def to_internal_value(self, value):
        if isinstance(value, str):
            value = _SPACED_OFFSET.sub(r"\1+\2", value.strip())
        return super().to_internal_value(value)


class PullQuery(serializers.Serializer):
    since = SinceField(
        required=False,
        help_text=(
            "ISO 8601 date and time (e.g. 2026-03-16T09:00:00Z): only signers confirmed at "
            "or after it."
        ),
    )
    page = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=1_000_000, help_text="From 1."
    )
    per_page = serializers.IntegerField(
        required=False,
        default=25,
        min_value=1,
        max_value=MAX_PER_PAGE,
        help_text="Signers per page, at most 100.",
    )


class EmailAddress(serializers.Serializer):
    address = serializers.EmailField()
    primary = serializers.BooleanField()


class PostalAddress(serializers.Serializer):
    postal_code = serializers.CharField(allow_blank=True)
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 code.")
    primary = serializers.BooleanField()


class Person(serializers.Serializer):
    given_name = serializers.CharField(source="first_name")
    family_name = serializers.CharField(source="last_name")
    email_addresses = serializers.SerializerMethodField()
    postal_addresses = serializers.SerializerMethodField()

    @extend_schema_field(EmailAddress(many=True))
    def get_email_addresses(self, signature: Signature) -> list[dict]:
        return [{"address": signature.email, "primary": True}]

    @extend_schema_field(PostalAddress(many=True))
    def get_postal_addresses(self, signature: Signature) -> list[dict]:
        return [
            {"postal_code": signature.postcode, "country": signature.country.code, "primary": True}
        ]


class SignatureResource(serializers.Serializer):
    identifiers = serializers.SerializerMethodField()
    created_date = serializers.DateTimeField(source="created_at", help_text="When they signed.")
    confirmed_date = serializers.DateTimeField(
        source="confirmed_at", help_text="When they confirmed their address (since= reads it)."
    )
    person = Person(source="*")

    def get_identifiers(self, signature: Signature) -> list[str]:
        return [f"allout:signature-{signature.pk}"]


class PullLink(serializers.Serializer):
    href = serializers.URLField()


# OSDI's names hold a colon, which no class attribute can: these are built from dicts.
PageLinks = type(
    "PageLinks",
    (serializers.Serializer,),
    {
        "self": PullLink(),
        "next": PullLink(required=False),
        "prev": PullLink(required=False),
        "osdi:petition": PullLink(help_text="The petition's public page."),
    },
)


def collection_page(name: str, embedded: str, doc: str, resource: serializers.Serializer) -> type:
    """An OSDI collection page of `resource`s: `<name>Page`, its items in `<embedded>`."""
    items = type(embedded, (serializers.Serializer,), {"osdi:signatures": resource})
    return type(
        f"{name}Page",
        (serializers.Serializer,),
        {
            "__doc__": doc,
            "total_pages": serializers.IntegerField(),
            "total_records": serializers.IntegerField(),
            "page": serializers.IntegerField(),
            "per_page": serializers.IntegerField(),
            "_links": PageLinks(),
            "_embedded": items(),
        },
    )


SignaturePage = collection_page(
    "Signature",
    "EmbeddedSignatures",
    "A page of a petition's signers who asked for its author's updates.",
    SignatureResource(many=True),
)


class WithdrawalResource(serializers.Serializer):
    identifiers = serializers.SerializerMethodField()
    withdrawn_date = serializers.DateTimeField(
        source="withdrawn_at", help_text="When the signer deleted it or stopped updates."
    )

    def get_identifiers(self, withdrawal) -> list[str]:
        """The signature's identifiers, as a pull gave them."""
        return [f"allout:signature-{withdrawal.signature_id}"]


class WithdrawnQuery(PullQuery):
    since = SinceField(
        required=False,
        help_text=(
            "ISO 8601 date and time (e.g. 2026-03-16T09:00:00Z): only signatures withdrawn "
            "at or after it."
        ),
    )


WithdrawnPage = collection_page(
    "Withdrawn",
    "EmbeddedWithdrawals",
    "A page of the signatures the organization must delete its copies of.",
    WithdrawalResource(many=True),
)
