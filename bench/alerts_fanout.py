"""The protest alerts' fan-out against the raw worker-to-sink rate of the same run (README.md).

N confirmed alerts (10,000 by default) are placed around one city (Porto Alegre, within
30 km). The outbox relay and a real Celery worker (prefork, 2 processes, as in Procfile)
run against the real Redis, sending to an in-process SMTP sink (aiosmtpd) that counts.

1. Raw: N copies of one alert email, rendered beforehand by the real templates, are
   bulk-inserted into the outbox; the relay publishes them and the worker sends them. This
   is the floor: what the worker and the sink do with nothing to build or render.
2. Fan-out: one event near the city is approved and `events.tasks.send_protest_alerts` is
   published, as beat does; the worker runs it (announce, then queue one email per alert in
   batches), the relay publishes each batch as it commits, and the workers render and send.

Printed for each: the time from the start until the last email is sent, and its rate; and
the fan-out's rate as a share of the raw one. The run uses a Celery queue of its own
(purged at the end) and deletes its campaign, alerts, event and outbox rows at the end.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/<a migrated scratch db> \\
    REDIS_URL=redis://127.0.0.1:6379/<its redis db> \\
      .venv/bin/python bench/alerts_fanout.py --alerts 10000
"""

from __future__ import annotations

import argparse
import datetime
import logging
import math
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

QUEUE = f"bench-alerts-{secrets.token_hex(4)}"
os.environ["CELERY_QUEUE"] = QUEUE
common.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from allout import mail  # noqa: E402
from allout.celery import app as celery_app  # noqa: E402
from allout.models import Campaign, OutboxEmail  # noqa: E402
from events import emails  # noqa: E402
from events.models import Event, ProtestAlert  # noqa: E402
from events.tasks import send_protest_alerts  # noqa: E402

CITY = (-30.0331, -51.2300)  # Porto Alegre (lat, lng)
SLUG = "bench-alerts-fanout"
RAW_KIND = "bench_alerts_raw"
DOMAIN = "alerts.bench.invalid"


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


def around_city(rng: random.Random) -> Point:
    """A point up to 30 km from the city (uniform over the disc)."""
    distance, bearing = 30_000 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    lat = CITY[0] + distance * math.cos(bearing) / 111_320
    lng = CITY[1] + distance * math.sin(bearing) / (111_320 * math.cos(math.radians(CITY[0])))
    return Point(lng, lat, srid=4326)


def clean_up() -> None:
    OutboxEmail.objects.filter(to__endswith=f"@{DOMAIN}").delete()
    Event.objects.filter(campaign__slug=SLUG).delete()
    Campaign.objects.filter(slug=SLUG).delete()  # and its alerts (CASCADE)
    get_user_model().objects.filter(username="bench-alerts-organizer").delete()


def prepare(alerts: int) -> Event:
    """The campaign, `alerts` confirmed alerts around the city, and a pending event there."""
    campaign = Campaign.objects.create(name="Bench", slug=SLUG, date=timezone.localdate())
    rng = random.Random(14)
    now = timezone.now()
    ProtestAlert.objects.bulk_create(
        (
            ProtestAlert(
                campaign=campaign,
                first_name=f"Reader{i}",
                email=f"reader{i}@{DOMAIN}",
                email_normalized=f"reader{i}@{DOMAIN}",
                place="Porto Alegre, Brazil",
                place_key="BR:porto-alegre",
                point=around_city(rng),
                radius_km=50,
                language="pt-br" if i % 2 else "en",
                status=ProtestAlert.Status.CONFIRMED,
                confirmation_sent_at=now,
                confirmed_at=now,
            )
            for i in range(alerts)
        ),
        batch_size=2000,
    )
    organizer = get_user_model().objects.create(
        username="bench-alerts-organizer", email=f"organizer@{DOMAIN}"
    )
    starts = now + datetime.timedelta(days=2)
    event = Event(
        campaign=campaign,
        kind=Event.Kind.PUBLIC_PLACE,
        title="Porto Alegre com a Rússia queer",
        slug="bench-alerts-fanout-event",
        description="Bench.",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        meeting_point="Largo Glênio Peres",
        address="Centro Histórico",
        city="Porto Alegre",
        country="BR",
        point=Point(CITY[1], CITY[0], srid=4326),
        organizer=organizer,
        organizer_name="Bench",
        guidelines_accepted_at=now,
        status=Event.Status.PENDING,
    )
    event.save()
    return event


def raw_copies(event: Event, alerts: int) -> list[OutboxEmail]:
    """`alerts` copies of one alert email, rendered now by the real templates."""
    alert = ProtestAlert.objects.filter(campaign=event.campaign).first()
    assert alert is not None
    with transaction.atomic():
        emails.protest_alert(alert, [event])
        row = OutboxEmail.objects.get(to=alert.email)
        mail.render(row)
        transaction.set_rollback(True)  # keep the rendered text, not the row
    return [
        OutboxEmail(
            kind=RAW_KIND,
            to=f"raw{i}@{DOMAIN}",
            to_canonical=f"raw{i}@{DOMAIN}",
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            headers=row.headers,
        )
        for i in range(alerts)
    ]


def start_worker(email_url: str) -> subprocess.Popen:
    env = {**common.server_env(QUEUE), "EMAIL_URL": email_url, "DB_CONN_MAX_AGE": "60"}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "allout", "worker",
            "-P", "prefork", "-c", "2", "-Q", QUEUE,
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
        ],
        cwd=common.ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not celery_app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("The Celery worker did not start")
    return process


def wait_until_sent(rows, expected: int, started: float, timeout: float) -> float:
    """Seconds from `started` until `expected` rows of `rows` are sent."""
    while rows.filter(sent_at__isnull=False).count() < expected:
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"only {rows.filter(sent_at__isnull=False).count()} sent")
        time.sleep(0.2)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=10000)
    parser.add_argument("--timeout", type=float, default=900, help="give up after (s)")
    args = parser.parse_args()

    clean_up()  # a run that was interrupted
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command
    event = prepare(args.alerts)
    copies = raw_copies(event, args.alerts)
    sink = Counter()
    port = common.free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    processes = [common.relay(QUEUE), start_worker(f"smtp://127.0.0.1:{port}")]
    try:
        with common.running(*processes):
            # 1. The floor: rendered copies, relayed and sent.
            started = time.perf_counter()
            OutboxEmail.objects.bulk_create(copies, batch_size=2000)
            raw_rows = OutboxEmail.objects.filter(kind=RAW_KIND)
            raw = wait_until_sent(raw_rows, args.alerts, started, args.timeout)
            print(f"raw: {args.alerts} emails sent {raw:.1f} s after the INSERT: "
                  f"{args.alerts / raw:.0f}/s")  # fmt: skip

            # 2. The fan-out: an approval, and the task beat would publish.
            Event.objects.filter(pk=event.pk).update(
                status=Event.Status.APPROVED, approved_at=timezone.now()
            )
            started = time.perf_counter()
            send_protest_alerts.delay()
            alert_rows = OutboxEmail.objects.filter(kind="protest_alert", to__endswith=DOMAIN)
            fanout = wait_until_sent(alert_rows, args.alerts, started, args.timeout)
            queued = alert_rows.aggregate(last=Max("created_at"))["last"]
            first = alert_rows.order_by("created_at").values_list("created_at", flat=True)[0]
            print(f"fan-out: {args.alerts} alert emails queued by the task in "
                  f"{(queued - first).total_seconds():.1f} s, all sent {fanout:.1f} s after "
                  f"the task was published: {args.alerts / fanout:.0f}/s")  # fmt: skip
            print(f"fan-out rate / raw rate: {raw / fanout:.2f} ({sink.count} at the sink)")
    finally:
        controller.stop()
        common.purge(QUEUE)
        clean_up()


if __name__ == "__main__":
    main()
