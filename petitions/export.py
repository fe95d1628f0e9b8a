"""The delivery export: confirmed signatures as CSV, for handing to the addressees.

It holds no email addresses. It streams (allout.spreadsheets): rows come from a server-side
cursor a few thousand at a time and leave as CSV text at the same pace, so memory stays flat
whether a petition has a hundred signatures or a million (bench/README.md has the figures).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from django.utils.translation import gettext as _
from django_countries import countries
from django_countries.fields import Country

from allout.spreadsheets import CHUNK_ROWS
from petitions.models import Petition, Signature


def delivery_header() -> list[str]:
    return [
        _("First name"),
        _("Last name"),
        _("Country"),
        _("Country code"),
        _("Postcode"),
        _("Date"),
    ]


def delivery_rows(petition: Petition) -> Iterator[tuple[str, ...]]:
    """The confirmed signatures, oldest first: names, country, postcode, date. No emails."""
    names = dict(countries)
    rows = (
        Signature.objects.confirmed()
        .filter(petition=petition)
        .order_by("confirmed_at", "pk")
        .values_list("first_name", "last_name", "country", "postcode", "confirmed_at")
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for first_name, last_name, country, postcode, confirmed_at in rows:
        yield (
            first_name,
            last_name,
            names.get(country, country),
            country,
            postcode,
            confirmed_at.date().isoformat(),
        )


def counts_by_country(petition: Petition) -> list[tuple[Country, int]]:
    """How many confirmed signatures come from each country, most first."""
    rows = (
        Signature.objects.confirmed()
        .filter(petition=petition)
        .values_list("country")
        .annotate(number=Count("pk"))
        .order_by("-number", "country")
    )
    return [(Country(code), number) for code, number in rows]
