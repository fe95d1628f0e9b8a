"""What the outbox does when its worker is killed mid-send (see README.md).

Two runs against a real Celery worker (prefork, 2 processes, in a process group of its own
as honcho, systemd or a container runtime start it) sending to an in-process SMTP sink
(aiosmtpd) that counts the messages each address receives:

- **SIGKILL**: 1,000 emails queued and published; once about half are sent, the worker's
  whole process group is SIGKILLed. A new worker and a real `celery beat` (the sweeper every
  OUTBOX_SWEEP_SECONDS) start at once. Measured: whether every email arrived, how many
  arrived twice, and how long after the kill the rows the dead worker had claimed were sent.
- **SIGTERM**: 40 emails to a sink that takes 0.5 s over each; once some are sent, SIGTERM
  goes to every process of the worker. Measured: whether each email being sent was marked
  sent before the worker exited, and (after a new worker sends the rest) duplicates.

The settings are the defaults (OUTBOX_CLAIM_SECONDS, OUTBOX_SWEEP_SECONDS) unless set in the
environment. The runs use a Celery queue of their own and delete their rows at the end.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/<a migrated scratch db> \\
    REDIS_URL=redis://127.0.0.1:6379/<its redis db> \\
      .venv/bin/python bench/worker_faults.py
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allout.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
os.environ["CELERY_QUEUE"] = f"bench-faults-{secrets.token_hex(4)}"

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from allout import mail  # noqa: E402
from allout.celery import app as celery_app  # noqa: E402
from allout.models import OutboxEmail  # noqa: E402

KIND = "bench_worker_faults"


class Sink:
    """Counts the messages each address receives, after `delay` seconds over each."""

    def __init__(self, delay: float = 0) -> None:
        self.delay = delay
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.update(envelope.rcpt_tos)
        return "250 OK"

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())


def serve(sink: Sink) -> tuple[Controller, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, f"smtp://127.0.0.1:{port}"


def queue_emails(count: int) -> list[int]:
    """`count` rows copied from one rendered email, published as queue() publishes them."""
    with transaction.atomic():
        template = mail.queue("event_cancelled", "bench@example.org", {"event": None})
        transaction.set_rollback(True)  # keep the rendered text, not the row (nor its task)
    assert template is not None
    rows = OutboxEmail.objects.bulk_create(
        OutboxEmail(
            kind=KIND,
            to=f"reader{i}@example.org",
            to_canonical=f"reader{i}@example.org",
            subject=template.subject,
            body_text=template.body_text,
            body_html=template.body_html,
            headers=template.headers,
        )
        for i in range(count)
    )
    pks = [row.pk for row in rows]
    assert mail.publish(*pks) == pks
    return pks


def start(command: list[str], email_url: str) -> subprocess.Popen:
    env = {**os.environ, "EMAIL_URL": email_url, "DB_CONN_MAX_AGE": "60"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "allout", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the banner; errors still go to stderr
        start_new_session=True,  # its own process group, as a process manager starts it
    )


def start_worker(email_url: str, name: str) -> subprocess.Popen:
    hostname = f"{name}-{secrets.token_hex(3)}@localhost"
    process = start(
        [
            "worker", "-n", hostname, "-P", "prefork", "-c", "2", "-Q", os.environ["CELERY_QUEUE"],
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "error",
        ],
        email_url,
    )  # fmt: skip
    wait(
        lambda: (
            process.poll() is None
            and bool(celery_app.control.ping(destination=[hostname], timeout=0.5))
        ),
        60,
        "the worker to start",
    )
    return process


def wait(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {timeout} s waiting for {what}")
        time.sleep(interval)


def rows():
    return OutboxEmail.objects.filter(kind=KIND)


def claimed_unsent() -> set[int]:
    return set(rows().unsent().filter(claimed_at__isnull=False).values_list("pk", flat=True))


def tasks_in_flight() -> int:
    """How many tasks hold claims: each claims its rows (up to OUTBOX_TASK_ROWS) at once."""
    claims = rows().unsent().filter(claimed_at__isnull=False)
    return claims.values("claimed_at").distinct().count()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def duplicates(sink: Sink) -> int:
    return sum(count - 1 for count in sink.received.values() if count > 1)


def sigkill_run(emails: int, timeout: float) -> dict[str, str]:
    sink = Sink()
    controller, url = serve(sink)
    processes: list[subprocess.Popen] = []
    try:
        worker = start_worker(url, "doomed")
        processes.append(worker)
        queue_emails(emails)
        wait(lambda: rows().exclude(sent_at=None).count() >= emails // 2, timeout, "half sent")
        held = claimed_unsent()
        os.killpg(worker.pid, signal.SIGKILL)
        killed: datetime = timezone.now()
        worker.wait()
        left = rows().unsent().count()
        # beat's first sweep comes OUTBOX_SWEEP_SECONDS after it starts, any phase of the claim.
        with tempfile.TemporaryDirectory() as scratch:
            processes.append(start(["beat", "-l", "error", "-s", f"{scratch}/schedule"], url))
            processes.append(start_worker(url, "survivor"))
            wait(lambda: not rows().unsent().exists(), timeout, "every row sent", interval=0.2)
        everything = (timezone.now() - killed).total_seconds()
        held_sent = max(rows().filter(pk__in=held).values_list("sent_at", flat=True), default=None)
        wait(lambda: sink.total() >= emails, 10, "the sink to count every email")
        return {
            "run": f"SIGKILL of the process group, {emails} emails",
            "delivered": f"{len(sink.received)} of {emails}",
            "duplicates": str(duplicates(sink)),
            "in flight at the signal": f"{len(held)} claimed, {left} unsent in all",
            "in-flight rows": (
                f"sent again {(held_sent - killed).total_seconds():.1f} s after the kill"
                if held_sent
                else "none held"
            ),
            "all sent after": f"{everything:.1f} s",
        }
    finally:
        for process in processes:
            stop(process)
        controller.stop()


def sigterm_run(emails: int, timeout: float) -> dict[str, str]:
    sink = Sink(delay=0.5)
    controller, url = serve(sink)
    processes: list[subprocess.Popen] = []
    try:
        worker = start_worker(url, "stopped")
        processes.append(worker)
        queue_emails(emails)
        wait(lambda: sink.total() >= 4 and tasks_in_flight() == 2, timeout, "sends in flight")
        held = claimed_unsent()
        signalled = time.monotonic()
        os.killpg(worker.pid, signal.SIGTERM)
        exitcode = worker.wait(timeout=timeout)
        stopping = time.monotonic() - signalled
        marked = rows().filter(pk__in=held).exclude(sent_at=None).count()
        # The rows a task held and had not begun when its time was up: unclaimed, untried.
        handed_back = rows().filter(pk__in=held, sent_at=None, claimed_at=None).count()
        still_claimed = rows().filter(pk__in=held, sent_at=None).exclude(claimed_at=None).count()
        processes.append(start_worker(url, "next"))
        wait(lambda: not rows().unsent().exists(), timeout, "every row sent", interval=0.2)
        wait(lambda: sink.total() >= emails, 10, "the sink to count every email")
        tried_twice = rows().filter(attempts__gt=1).count()
        return {
            "run": f"SIGTERM to every process, {emails} emails, 0.5 s per email",
            "delivered": f"{len(sink.received)} of {emails}",
            "duplicates": str(duplicates(sink)),
            "in flight at the signal": f"{len(held)} claimed by 2 tasks",
            "in-flight rows": (
                f"{marked} of {len(held)} marked sent before the exit, {handed_back} handed "
                f"back untried, {still_claimed} left claimed (exit code {exitcode} after "
                f"{stopping:.1f} s); {tried_twice} rows tried twice"
            ),
            "all sent after": "the next worker",
        }
    finally:
        for process in processes:
            stop(process)
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=1000, help="for the SIGKILL run")
    parser.add_argument("--sigterm-emails", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=300, help="give up after (s)")
    args = parser.parse_args()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command

    print(
        f"OUTBOX_CLAIM_SECONDS={settings.OUTBOX_CLAIM_SECONDS} "
        f"OUTBOX_SWEEP_SECONDS={settings.OUTBOX_SWEEP_SECONDS} "
        f"load average {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    results = []
    for run, count in ((sigkill_run, args.emails), (sigterm_run, args.sigterm_emails)):
        rows().delete()  # a run that was interrupted
        try:
            results.append(run(count, args.timeout))
        finally:
            celery_app.control.purge()
            rows().delete()
    columns = list(results[0])
    print("| " + " | ".join(columns) + " |")
    print("| " + " | ".join("---" for _ in columns) + " |")
    for result in results:
        print("| " + " | ".join(result[column] for column in columns) + " |")
    print(f"load average after: {os.getloadavg()[0]:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
