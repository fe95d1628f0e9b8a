"""CSV exports for spreadsheet programs: one streamed response for every export, whose cells
are shown as text, never run as formulas ("CSV injection" guard)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows written per chunk sent: large enough to keep the overhead small, small enough to
# keep memory flat whatever the export's size (bench/README.md has the figures).
CHUNK_ROWS = 2000


def spreadsheet_safe(value: object) -> str:
    """The value as text that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text of `header` and `rows`, every cell made safe, a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a byte order mark, so spreadsheet programs read names as UTF-8
    writer.writerow(header)
    for number, row in enumerate(rows, 1):
        writer.writerow([spreadsheet_safe(cell) for cell in row])
        if number % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def streamed_csv(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """A download of `rows` as CSV, streamed as the rows come (from a server-side cursor)."""
    response = StreamingHttpResponse(
        csv_chunks(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
