"""The delivery export at scale: rows per second and peak memory for 1,000,000 signatures.

    DATABASE_URL=postgis://... .venv/bin/python bench/petitions_export.py [--rows 1000000]

It fills a petition (bench-export) with confirmed signatures once, in SQL (every
thousandth first name is a formula, so the escaping runs too), then exports it in fresh
processes: the export as the admin serves it (a StreamingHttpResponse, read chunk by chunk
as a WSGI server would), the same with tracemalloc counting Python's allocations, and, for
contrast, the whole CSV joined in memory. Memory is the process's peak resident set
(VmHWM) above what it held before exporting. Delete the rows afterwards with --drop.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allout.settings")
os.environ.setdefault("DEBUG", "true")  # its query log records executes, not cursor fetches

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from allout.spreadsheets import streamed_csv  # noqa: E402
from petitions import services  # noqa: E402
from petitions.export import delivery_header, delivery_rows  # noqa: E402
from petitions.models import Petition, PetitionStatus, Signature  # noqa: E402

SLUG = "bench-export"

FILL = """
INSERT INTO petitions_signature (
    petition_id, first_name, last_name, email, email_normalized, country, postcode,
    consent_author, consent_campaign, show_publicly, source,
    created_at, confirmed_at, last_emailed_at
)
SELECT
    %(petition)s,
    CASE WHEN n %% 1000 = 0 THEN '=HYPERLINK("http://x")' ELSE 'First' || n END,
    'Lastname' || n,
    'signer' || n || '@bench.invalid',
    'signer' || n || '@bench.invalid',
    (ARRAY['DE', 'FR', 'GB', 'BR', 'US', 'IN', 'PL', 'RU', 'ZA', 'NL'])[1 + n %% 10],
    lpad((n %% 99999)::text, 5, '0'),
    false, n %% 3 = 0, n %% 2 = 0, 'bench',
    now() - make_interval(secs => n), now() - make_interval(secs => n - 60), now()
FROM generate_series(1, %(rows)s) AS n
"""


def vm_hwm_kib() -> int:
    """This process's peak resident memory so far, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def fill(rows: int) -> Petition:
    petition, _ = Petition.objects.update_or_create(
        slug=SLUG,
        defaults={
            "title": "Benchmark (export)",
            "summary": "Benchmark petition.",
            "text": "Benchmark.",
            "author": "Benchmark",
            "goal": rows,
            # Closed, so it never becomes the petition the site promotes.
            "status": PetitionStatus.CLOSED,
        },
    )
    if Signature.objects.confirmed().filter(petition=petition).count() == rows:
        return petition
    print(f"Filling {SLUG} with {rows:,} confirmed signatures…", flush=True)
    with transaction.atomic():
        Signature.objects.filter(petition=petition).delete()
        with connection.cursor() as cursor:
            cursor.execute(FILL, {"petition": petition.pk, "rows": rows})
        services.recount(petition)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE petitions_signature")
    return petition


def measure(petition_id: int, mode: str) -> dict:
    """Export once in this process; mode is "stream", "tracemalloc" or "join"."""
    petition = Petition.objects.get(pk=petition_id)
    connection.ensure_connection()
    before = vm_hwm_kib()
    if mode == "tracemalloc":
        tracemalloc.start()
    started = time.perf_counter()
    response = streamed_csv("x.csv", delivery_header(), delivery_rows(petition))
    if mode == "join":
        body = b"".join(response)
        size, lines, chunks = len(body), body.count(b"\n"), 1
    else:
        size = lines = chunks = 0
        for chunk in response:  # what a WSGI server does with a streamed response
            size += len(chunk)
            lines += chunk.count(b"\n")
            chunks += 1
    seconds = time.perf_counter() - started
    result = {
        "mode": mode,
        "rows": lines - 1,  # the header
        "seconds": round(seconds, 2),
        "rows_per_second": round((lines - 1) / seconds),
        "megabytes_out": round(size / 1e6, 1),
        "chunks": chunks,
        "peak_rss_above_start_mib": round((vm_hwm_kib() - before) / 1024, 1),
    }
    if mode == "tracemalloc":
        result["python_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--drop", action="store_true", help="delete the benchmark petition")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # internal: a petition
    parser.add_argument("--mode", default="stream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.mode)))
        return
    if args.drop:
        Petition.objects.filter(slug=SLUG).delete()
        return
    petition = fill(args.rows)
    for mode in ("stream", "stream", "tracemalloc", "join"):
        output = subprocess.run(
            [sys.executable, __file__, "--measure", str(petition.pk), "--mode", mode],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        print(output.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
