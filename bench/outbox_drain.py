"""How fast a backlog of outbox emails drains after a broker outage (see README.md).

20,000 rows are stored while the broker is "down" (no relay runs to publish them, as when
the broker or the relay was down), so they wait for the sweeper. Then a real Celery worker (prefork,
2 processes, as in Procfile) starts against the real Redis, sending to an in-process SMTP
sink (aiosmtpd), and one sweep (allout.mail.requeue_unsent) runs in this process. Printed:
the rows the sweep re-published per second, the worker's send rate, and the time from the
start of the sweep until every row is sent. The rows are bulk-inserted copies of one email
rendered by the real templates (rendering is the request's cost, not the drain's).

The run uses a Celery queue of its own (purged at the end) and deletes its rows at the end.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/<a migrated scratch db> \\
    REDIS_URL=redis://127.0.0.1:6379/<its redis db> \\
      .venv/bin/python bench/outbox_drain.py --rows 20000
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allout.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
os.environ["CELERY_QUEUE"] = f"bench-drain-{secrets.token_hex(4)}"

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402

from allout import mail  # noqa: E402
from allout.celery import app as celery_app  # noqa: E402
from allout.models import OutboxEmail  # noqa: E402

KIND = "bench_outbox_drain"


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


def store_backlog(rows: int) -> None:
    """`rows` emails queued while the broker is down: stored, never published (no relay
    runs here)."""
    with transaction.atomic():
        template = mail.queue("event_cancelled", "bench@example.org", {"event": None})
        transaction.set_rollback(True)  # keep the rendered text, not the row
    assert template is not None
    OutboxEmail.objects.bulk_create(
        (
            OutboxEmail(
                kind=KIND,
                to=f"reader{i}@example.org",
                to_canonical=f"reader{i}@example.org",
                subject=template.subject,
                body_text=template.body_text,
                body_html=template.body_html,
                headers=template.headers,
            )
            for i in range(rows)
        ),
        batch_size=2000,
    )


def start_worker(email_url: str) -> subprocess.Popen:
    env = {**os.environ, "EMAIL_URL": email_url, "DB_CONN_MAX_AGE": "60"}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "allout", "worker",
            "-P", "prefork", "-c", "2", "-Q", os.environ["CELERY_QUEUE"],
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not celery_app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("The Celery worker did not start")
    return process


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--timeout", type=float, default=600, help="give up after (s)")
    args = parser.parse_args()

    OutboxEmail.objects.filter(kind=KIND).delete()  # a run that was interrupted
    started = time.perf_counter()
    store_backlog(args.rows)
    print(f"stored {args.rows} rows, none published, in {time.perf_counter() - started:.1f} s")

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command
    sink = Counter()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    worker = start_worker(f"smtp://127.0.0.1:{port}")
    try:
        started = time.perf_counter()
        published = mail.requeue_unsent(older_than=timedelta(0))
        swept = time.perf_counter() - started
        print(
            f"first sweep: {published} rows re-published in {swept:.2f} s: "
            f"{published / swept:.0f}/s (its budget: {settings.OUTBOX_SWEEP_BUDGET_SECONDS:.0f} s)"
        )
        waiting = OutboxEmail.objects.filter(kind=KIND, sent_at__isnull=True)
        sweeps, next_sweep = 1, started + settings.OUTBOX_SWEEP_SECONDS
        while waiting.exists():
            if time.perf_counter() - started > args.timeout:
                raise SystemExit(f"{waiting.count()} rows still unsent after {args.timeout} s")
            if time.perf_counter() >= next_sweep:  # as beat runs the sweeper
                mail.requeue_unsent(older_than=timedelta(0))
                sweeps, next_sweep = sweeps + 1, next_sweep + settings.OUTBOX_SWEEP_SECONDS
            time.sleep(0.2)
        print(f"sweeps (one every {settings.OUTBOX_SWEEP_SECONDS} s, as beat runs them): {sweeps}")
        drained = time.perf_counter() - started
        span = OutboxEmail.objects.filter(kind=KIND).aggregate(
            first=Min("sent_at"), last=Max("sent_at")
        )
        sending = (span["last"] - span["first"]).total_seconds()
        print(f"worker: {args.rows} sent in {sending:.2f} s: {args.rows / sending:.0f}/s")
        print(f"every row sent {drained:.1f} s after the sweep began ({sink.count} at the sink)")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()
        celery_app.control.purge()
        OutboxEmail.objects.filter(kind=KIND).delete()


if __name__ == "__main__":
    main()
