"""The delivery export: confirmed signatures as CSV, for handing to the addressees.

It holds no email addresses. It streams: rows come from a server-side cursor a few
thousand at a time and leave as CSV text at the same pace, so memory stays flat whether a
petition has a hundred signatures or a million (bench/README.md has the figures).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import Count
from django.utils.translation import gettext as _
from django_countries import countries
from django_countries.fields import Country

from allout.spreadsheets import spreadsheet_safe
from petitions.models import Petition, Signature

CHUNK_ROWS = 2000


def delivery_csv(petition: Petition) -> Iterator[str]:
    """The confirmed signatures, oldest first: names, country, postcode, date. No emails."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A byte-order mark, so spreadsheet programs read the names as UTF-8.
    buffer.write("\ufeff")
    writer.writerow(
        [_("First name"), _("Last name"), _("Country"), _("Country code"), _("Postcode"), _("Date")]
    )
    names = dict(countries)
    rows = (
        Signature.objects.confirmed()
        .filter(petition=petition)
        .order_by("confirmed_at", "pk")
        .values_list("first_name", "last_name", "country", "postcode", "confirmed_at")
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for number, (first_name, last_name, country, postcode, confirmed_at) in enumerate(rows, 1):
        writer.writerow(
            [
                spreadsheet_safe(first_name),
                spreadsheet_safe(last_name),
                names.get(country, country),
                country,
                spreadsheet_safe(postcode),
                confirmed_at.date().isoformat(),
            ]
        )
        if number % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


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
